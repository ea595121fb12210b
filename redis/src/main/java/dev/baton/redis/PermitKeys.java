package dev.baton.redis;

import java.util.Arrays;

/**
 * The five keys of one lock or semaphore in Redis (see {@code permits-prelude.lua}), and what to
 * call it in messages: its kind and name, never a per-key value.
 */
record PermitKeys(String kind, String name, String[] keys) {

  static PermitKeys of(String kind, String name, String tag) {
    return new PermitKeys(kind, name, new String[] {
        tag + ":meta", tag + ":holders", tag + ":waiters", tag + ":alive", tag + ":tokens"});
  }

  /** RELEASE's keys: the five, then the ids it released (see {@code permits-release.lua}). */
  String[] releaseKeys() {
    String[] all = Arrays.copyOf(keys, keys.length + 1);
    all[keys.length] = tag() + ":released";
    return all;
  }

  String tag() {
    return keys[0].substring(0, keys[0].length() - ":meta".length());
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof PermitKeys that && keys[0].equals(that.keys[0]);
  }

  @Override
  public int hashCode() {
    return keys[0].hashCode();
  }

  @Override
  public String toString() {
    return kind + " '" + name + "'";
  }
}
