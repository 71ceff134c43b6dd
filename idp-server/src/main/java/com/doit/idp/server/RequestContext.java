package com.doit.idp.server;

/**
 * What the HTTP layer knows of a request that the audit log records: the token path's lines and the admin API's.
 * Immutable.
 *
 * @param requestId the request id the server gave the request (also in its logs and error bodies)
 * @param remoteAddr the client's address as the server sees it; may be null when the connection has none
 */
public record RequestContext(String requestId, String remoteAddr) {}
