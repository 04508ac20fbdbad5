package ctxlab.abi;

/** A convention file that cannot be read or does not describe a usable convention. */
public final class ConventionException extends IllegalArgumentException {
    public ConventionException(String source, String message) {
        super((source == null ? "convention" : source) + ": " + message);
    }
}
