package com.doit.idp.server.web;

import com.doit.idp.server.ClientError;
import com.doit.idp.server.hook.HookRefusal;
import com.doit.idp.server.hook.HookService;
import com.doit.idp.server.hook.HookUnavailable;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.util.Map;

/**
 * {@code POST /hooks/cloudformation} on the public listener: read the body (at most {@code http.max-body}; it runs
 * after {@link Dispatch}, on a worker thread), let {@link HookService} decide, answer {@code 200 {"status"}}. A
 * refusal is {@code 403 forbidden} (not proven to come from SNS) or {@code 400 invalid_request} (malformed), with
 * the service's short reason; work that could not finish now is {@code 503} with {@code Retry-After}, so that SNS
 * delivers again. Thread-safe.
 */
public final class HookHandler implements HttpHandler {
  private final HookService hooks;
  private final long maxBody;

  public HookHandler(HookService hooks, long maxBody) {
    this.hooks = hooks;
    this.maxBody = maxBody;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    String requestId = RequestIds.of(exchange);
    String remote = TokenHandlers.remoteAddr(exchange);
    String body;
    try {
      body = Bodies.utf8(Bodies.read(exchange, maxBody));
    } catch (ClientError e) {
      hooks.refused(e.description() == null ? e.error() : e.description(), requestId, remote);
      throw e;
    }
    HookService.Outcome outcome;
    try {
      outcome = hooks.handle(body, requestId, remote);
    } catch (HookRefusal r) {
      throw r.kind() == HookRefusal.Kind.FORBIDDEN
          ? new ClientError(403, "forbidden", r.reason())
          : new ClientError(400, "invalid_request", r.reason());
    } catch (HookUnavailable u) {
      throw new ClientError(503, "temporarily_unavailable", u.getMessage(), Map.of("Retry-After", "30"));
    }
    Json.noStore(exchange);
    Json.send(exchange, 200, Map.of("status", outcome.word()));
  }
}
