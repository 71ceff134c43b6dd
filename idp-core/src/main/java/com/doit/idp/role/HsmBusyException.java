package com.doit.idp.role;

/**
 * Every HSM session is in use and none came free in time. The HSM answers; it is saturated. Callers refuse the
 * request (503) like any {@link HsmException}, but readiness does not count it as an outage: taking a replica out
 * of service because it is busy would only push its load onto the others.
 */
public class HsmBusyException extends HsmException {
  private static final long serialVersionUID = 1L;

  public HsmBusyException(String message) {
    super(message);
  }
}
