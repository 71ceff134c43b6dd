package com.doit.idp.server.web;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PublicDocumentHandlerTest {
  private static final String TAG = "\"abc\"";

  @Test
  void ifNoneMatchUsesTheWeakComparisonAndListsAndStar() {
    assertTrue(PublicDocumentHandler.matches(List.of(TAG), TAG));
    assertTrue(PublicDocumentHandler.matches(List.of("W/" + TAG), TAG));
    assertTrue(PublicDocumentHandler.matches(List.of("\"x\", " + TAG), TAG));
    assertTrue(PublicDocumentHandler.matches(List.of("\"x\"", TAG), TAG));
    assertTrue(PublicDocumentHandler.matches(List.of("*"), TAG));
  }

  @Test
  void otherTagsAndUnquotedValuesDoNotMatch() {
    assertFalse(PublicDocumentHandler.matches(null, TAG));
    assertFalse(PublicDocumentHandler.matches(List.of("abc"), TAG));
    assertFalse(PublicDocumentHandler.matches(List.of("\"abcd\""), TAG));
    assertFalse(PublicDocumentHandler.matches(List.of(""), TAG));
  }
}
