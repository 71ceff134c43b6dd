package com.doit.idp.role;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KeyMetadataTest {
  private static final RoleId LONGEST = new RoleId("123456789012", "a".repeat(51));

  @Test
  void aLabelReadsBackAsTheSameMetadata() {
    KeyMetadata m = new KeyMetadata(LONGEST, SigningAlgorithm.ES256, Instant.parse("2026-11-27T10:00:00Z"),
        Optional.of(Instant.parse("2026-11-27T10:15:00Z")), Instant.parse("2026-11-28T10:00:00Z"));
    assertEquals(Optional.of(m), KeyMetadata.parseLabel(m.toLabel()));
    KeyMetadata current = new KeyMetadata(LONGEST, SigningAlgorithm.RS256, Instant.EPOCH, Optional.empty(), Instant.EPOCH);
    assertEquals(Optional.of(current), KeyMetadata.parseLabel(current.toLabel()));
  }

  @Test
  void theLongestLabelFitsAwsCloudHsmsLabelLimit() {
    KeyMetadata m = new KeyMetadata(LONGEST, SigningAlgorithm.RS256, Instant.parse("2286-11-20T17:46:39Z"),
        Optional.of(Instant.parse("2286-11-20T17:46:39Z")), Instant.parse("2286-11-20T17:46:39Z"));
    assertTrue(m.toLabel().length() <= 127, m.toLabel().length() + " characters");
  }

  @Test
  void timesAreKeptInWholeSeconds() {
    KeyMetadata m = new KeyMetadata(LONGEST, SigningAlgorithm.RS256, Instant.parse("2026-11-27T10:00:00.987Z"),
        Optional.empty(), Instant.parse("2026-11-28T10:00:00.5Z"));
    assertEquals(Instant.parse("2026-11-27T10:00:00Z"), m.signFrom());
    assertEquals(Instant.parse("2026-11-28T10:00:00Z"), m.roleExpiresAt());
  }

  @Test
  void foreignAndDamagedLabelsAreNotOurs() {
    assertFalse(KeyMetadata.isOurs("my-ca-key"));
    assertFalse(KeyMetadata.isOurs(null));
    assertEquals(Optional.empty(), KeyMetadata.parseLabel("my-ca-key"));
    assertEquals(Optional.empty(), KeyMetadata.parseLabel("aoi1 123456789012/jane RS256 1 - "));
    assertEquals(Optional.empty(), KeyMetadata.parseLabel("aoi1 12345/jane RS256 1 - 2"));
    assertEquals(Optional.empty(), KeyMetadata.parseLabel("aoi1 123456789012/Jane RS256 1 - 2"));
    assertEquals(Optional.empty(), KeyMetadata.parseLabel("aoi1 123456789012/jane HS256 1 - 2"));
    assertEquals(Optional.empty(), KeyMetadata.parseLabel("aoi1 123456789012/jane RS256 x - 2"));
    assertEquals(Optional.empty(), KeyMetadata.parseLabel("aoi1 123456789012/jane RS256 1 - 2 extra"));
  }
}
