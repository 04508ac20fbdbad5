package ctxlab.asm;

import java.util.function.UnaryOperator;

/** What one Keystone call gave ({@link KeystoneFrontEnd#run}): its result, or (result null) the error it rejected the text with. */
record KeystoneAttempt(Keystone.Result result, KeystoneException error) {
    /** Keystone's KS_ERR_ASM_SYMBOL_MISSING. */
    private static final int SYMBOL_MISSING = 144;

    /** Whether Keystone rejected the text for a symbol nothing defines. */
    boolean symbolMissing() {
        return error != null && error.errno() == SYMBOL_MISSING;
    }

    /**
     * Keystone's message for an error (with its ks_errno unless it crashed), and what it printed.
     *
     * @param stderr how the front-end shows what Keystone printed (never blank here)
     */
    static String describe(KeystoneException e, UnaryOperator<String> stderr) {
        if (e == null) return "unknown error";
        String text = e.crashed() ? e.keystoneMessage() : e.keystoneMessage() + " (ks_errno " + e.errno() + ")";
        if (e.stderr() != null && !e.stderr().isBlank()) text += stderr.apply(e.stderr());
        return text;
    }
}
