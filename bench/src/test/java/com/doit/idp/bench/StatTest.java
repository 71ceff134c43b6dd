package com.doit.idp.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatTest {
  @Test
  void theMedianOfAnOddCountIsTheMiddleValueWhateverTheOrder() {
    Stat s = Stat.of(List.of(9.0, 1.0, 5.0));
    assertEquals(5.0, s.median());
    assertEquals(1.0, s.min());
    assertEquals(9.0, s.max());
    assertEquals(3, s.rounds());
  }

  @Test
  void theMedianOfAnEvenCountIsTheMeanOfTheTwoMiddleValues() {
    assertEquals(3.0, Stat.of(List.of(4.0, 1.0, 2.0, 100.0)).median());
  }

  @Test
  void aRatioToAZeroFigureIsZeroRatherThanInfinity() {
    assertEquals(0.0, Stat.of(List.of(5.0)).ratioTo(Stat.of(List.of(0.0))));
    assertEquals(0.5, Stat.of(List.of(5.0)).ratioTo(Stat.of(List.of(10.0))));
  }

  @Test
  void noRoundsIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> Stat.of(List.of()));
  }
}
