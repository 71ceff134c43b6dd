package com.doit.idp.config;

/** The configuration cannot be used. The message names the key (or variable) at fault and never a secret. */
public class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
