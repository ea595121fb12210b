package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.spel.standard.SpelExpressionParser;

/** What a key expression's start-up check says of a method compiled without parameter names. */
class KeyExpressionTest {

  /** What Spring finds for a class compiled without {@code -parameters}. */
  private static final ParameterNameDiscoverer NO_NAMES = new ParameterNameDiscoverer() {
    @Override
    public String[] getParameterNames(Method method) {
      return null;
    }

    @Override
    public String[] getParameterNames(java.lang.reflect.Constructor<?> constructor) {
      return null;
    }
  };

  @Test
  void aKeyByNameOnAMethodWithoutParameterNamesSaysToCompileWithParametersOrUsePositions()
      throws Exception {
    Method method = Orders.class.getMethod("place", String.class);
    assertThatThrownBy(() -> key("#id").checkVariables(method, NO_NAMES))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'#id' reads #id")
        .hasMessageContaining(Orders.class.getName() + " was compiled without parameter names")
        .hasMessageContaining("-parameters").hasMessageContaining("#p0");
    assertThatCode(() -> key("#p0 + #root.method.name").checkVariables(method, NO_NAMES))
        .doesNotThrowAnyException();
  }

  private static KeyExpression key(String expression) {
    return new KeyExpression(new SpelExpressionParser().parseExpression(expression),
        "@Guarded on Orders.place(String)", new DefaultListableBeanFactory());
  }

  /** A service whose key names an argument. */
  public static class Orders {
    public void place(String id) {}
  }
}
