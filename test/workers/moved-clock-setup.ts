/** Applies TEST_CLOCK (read in Node by test/global-setup.ts) inside workerd, before any test. */
import { inject } from "vitest";
import { moveClock } from "../moved-clock";

moveClock(inject("clockOffsetMs"));
