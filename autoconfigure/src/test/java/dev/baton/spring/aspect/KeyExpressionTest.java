package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.spel.standard.SpelExpressionParser;

/** What a key expression's start-up check says of the arguments a key reads. */
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

  /**
   * {@code #a1} reads the second argument, or a parameter named {@code a1}: on a method with one
   * parameter of that name, it is no argument past the last.
   */
  @Test
  void aPositionThatIsAParametersNameIsNoArgumentPastTheLast() throws Exception {
    Method method = Orders.class.getMethod("ship", String.class);
    ParameterNameDiscoverer named = new ParameterNameDiscoverer() {
      @Override
      public String[] getParameterNames(Method method) {
        return new String[] {"a1"};
      }

      @Override
      public String[] getParameterNames(java.lang.reflect.Constructor<?> constructor) {
        return null;
      }
    };
    assertThatCode(() -> key("#a1").checkVariables(method, named)).doesNotThrowAnyException();
    assertThatThrownBy(() -> key("#a1").checkVariables(method, NO_NAMES))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("reads #a1, but ship has 1"
            + " parameter");
    assertThatThrownBy(() -> key("#p99999999999").checkVariables(method, NO_NAMES))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("reads #p99999999999");
  }

  private static KeyExpression key(String expression) {
    return new KeyExpression(new SpelExpressionParser().parseExpression(expression),
        "@Guarded on Orders.place(String)", new DefaultListableBeanFactory());
  }

  /** A service whose key names an argument. */
  public static class Orders {
    public void place(String id) {}

    public void ship(String a1) {}
  }
}
