package com.doit.idp.server.token;

/**
 * What the HTTP layer knows of a request that the audit log records. Immutable.
 *
 * @param requestId the request id the server gave the request (also in its logs and error bodies)
 * @param remoteAddr the client's address as the server sees it
 */
public record RequestContext(String requestId, String remoteAddr) {}
