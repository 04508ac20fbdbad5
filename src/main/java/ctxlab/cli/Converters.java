package ctxlab.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Option value parsers. */
final class Converters {
    private Converters() {}

    /** Decimal or 0x-hex, as addresses and seeds are written. */
    static final class Address implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                String v = value.strip().replace("_", "");
                if (v.startsWith("0x") || v.startsWith("0X")) return Long.parseUnsignedLong(v.substring(2), 16);
                return Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a number (decimal or 0x-hex)");
            }
        }
    }
}
