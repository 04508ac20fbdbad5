package ctxlab.qemu;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The programs the differential runs: {@code qemu-aarch64} (Debian: qemu-user) and GNU as and ld for
 * AArch64 (Debian: binutils-aarch64-linux-gnu), found on PATH.
 */
public record Tools(Path qemu, Path as, Path ld, String qemuVersion) {
    public static final String QEMU = "qemu-aarch64", AS = "aarch64-linux-gnu-as", LD = "aarch64-linux-gnu-ld";

    /** All three, or a {@link QemuUnavailableException} naming what to install. */
    public static Tools find() {
        return find(System.getenv("PATH"));
    }

    /** As {@link #find()}, on the given PATH. */
    static Tools find(String path) {
        Optional<Path> qemu = onPath(QEMU, path), as = onPath(AS, path), ld = onPath(LD, path);
        if (qemu.isEmpty()) {
            throw new QemuUnavailableException("--qemu needs " + QEMU + ", which is not on PATH: install the Debian package qemu-user");
        }
        if (as.isEmpty() || ld.isEmpty()) {
            throw new QemuUnavailableException("--qemu needs " + (as.isEmpty() ? AS : LD)
                    + ", which is not on PATH: install the Debian package binutils-aarch64-linux-gnu");
        }
        Proc.Result v = Proc.run(List.of(qemu.get().toString(), "--version"), Path.of("."), Duration.ofSeconds(10), 1 << 16);
        String version = new String(v.stdout()).lines().findFirst().orElse("").replaceFirst("^qemu-aarch64 version\\s*", "").strip();
        return new Tools(qemu.get(), as.get(), ld.get(), version.isEmpty() ? "(unknown version)" : version);
    }

    /** Whether qemu-aarch64 and the binutils are all there (tests skip without them). */
    public static boolean available() {
        String path = System.getenv("PATH");
        return onPath(QEMU, path).isPresent() && onPath(AS, path).isPresent() && onPath(LD, path).isPresent();
    }

    static Optional<Path> onPath(String name, String path) {
        if (path == null) return Optional.empty();
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }
}
