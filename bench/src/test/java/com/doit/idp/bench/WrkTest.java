package com.doit.idp.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.junit.jupiter.api.Test;

class WrkTest {
  @Test
  void theDoneLineIsReadIntoRequestsSecondsLatenciesAndEveryKindOfError() {
    String out = """
        Running 4s test @ http://127.0.0.1:1234/token
          2 threads and 8 connections
        BENCH requests=4000 duration_us=4000000 p50_us=1500 p99_us=9000 max_us=12000 connect=1 read=2 write=3 status=4 timeout=5
        """;
    LoadResult r = Wrk.parse(out);
    assertEquals(4000, r.requests());
    assertEquals(1000.0, r.perSecond(), 1e-9);
    assertEquals(1.5, r.p50Ms(), 1e-9);
    assertEquals(9.0, r.p99Ms(), 1e-9);
    assertEquals(12.0, r.maxMs(), 1e-9);
    assertEquals(15, r.errors());
  }

  @Test
  void outputWithoutTheDoneLineIsAnError() {
    assertThrows(IllegalStateException.class, () -> Wrk.parse("unable to connect to 127.0.0.1:1 Connection refused"));
  }

  @Test
  void aPostScriptCarriesTheFormBodyAndItsContentType() {
    String s = Wrk.script(Target.postForm(URI.create("http://127.0.0.1:1/token"), "a=b%20c&d=e"));
    assertTrue(s.contains("wrk.method = \"POST\""));
    assertTrue(s.contains("wrk.body = [[a=b%20c&d=e]]"));
    assertTrue(s.contains("application/x-www-form-urlencoded"));
    assertTrue(s.contains("done = function"));
  }

  @Test
  void aGetScriptOnlyReports() {
    String s = Wrk.script(Target.get(URI.create("http://127.0.0.1:1/x/jwks.json")));
    assertFalse(s.contains("wrk.method"));
    assertTrue(s.contains("done = function"));
  }
}
