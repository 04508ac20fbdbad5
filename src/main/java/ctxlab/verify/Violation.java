package ctxlab.verify;

/**
 * The first counterexample found for one property.
 *
 * @param detail         one line saying what went wrong
 * @param line           the offending instruction as {@code file:line: text}, or null when no
 *                       instruction is to blame (e.g. a slot that nothing wrote)
 * @param iteration      the random state (0-based) that showed it; with the seed it reproduces it
 * @param counterexample several lines: addresses, and the registers/slots that differ from expected
 */
public record Violation(Property property, String detail, String line, int iteration, String counterexample) {}
