package ctxlab.vectors;

/**
 * A vector file that cannot be used as written: malformed JSON, an unknown field, a wrong type, a
 * name that resolves to nothing. The message names the file and the JSON path:
 * {@code testvectors/x.json: $.expect.registers.r16: unknown register}.
 *
 * <p>An {@link IllegalArgumentException} so that the CLI reports it as bad input (exit 2) in one line.
 */
public final class VectorException extends IllegalArgumentException {
    public VectorException(String message) {
        super(message);
    }

    public VectorException(String file, String path, String message) {
        super(file + ": " + path + ": " + message);
    }
}
