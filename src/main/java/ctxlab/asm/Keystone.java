package ctxlab.asm;

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmFunctionHandle;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import java.io.ByteArrayOutputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Keystone 0.9.2 (emscripten build from npm {@code @alexaltea/keystone-js}), run in-process by Chicory from
 * JVM classes compiled ahead of time by {@code scripts/setup}. A thin mirror of the C API, fixed to x86-64.
 *
 * <p>Syntax: Keystone starts in Intel syntax and {@code ks_option} is never called (in this build it also
 * switches the number radix to 16), so callers prefix AT&amp;T sources with {@code .att_syntax} themselves.
 *
 * <p>Crashes: some inputs ({@code .text}, {@code .data}) make the module access memory out of bounds. Any trap
 * is reported as a {@link KeystoneException} with {@link KeystoneException#crashed()} true, and the instance is
 * then broken: later calls throw {@link IllegalStateException}; open a new one.
 *
 * <p>Not thread-safe: one instance owns one WebAssembly memory and one ks_engine; confine it to one thread
 * (or synchronize externally).
 */
public final class Keystone implements AutoCloseable {
    public static final int KS_ARCH_X86 = 4, KS_MODE_64 = 8;
    /** {@code ks_arch} KS_ARCH_ARM64 and {@code ks_mode} KS_MODE_LITTLE_ENDIAN (keystone.h). */
    public static final int KS_ARCH_ARM64 = 2, KS_MODE_LITTLE_ENDIAN = 0;

    /**
     * One ks_asm result: the machine code, Keystone's statement count, and what the engine wrote to
     * stdout/stderr during the call (UTF-8; LLVM diagnostics land here; empty string if none).
     */
    public record Result(byte[] bytes, int statements, String stderr) {}

    private static final String AOT_CLASS = "ctxlab.asm.wasm.KeystoneWasm";
    private static final String BROKEN = "Keystone instance is broken after a trap; open a new one";

    // WASI errno values (for fd_* / environ_*); __syscall_* imports return the negated value.
    private static final int EBADF = 8, ENOENT = 44, ENOSYS = 52, ERANGE = 68, EINVAL = 28, ESPIPE = 70;

    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final Instance instance;
    private final Memory memory;
    private final ExportFunction ksOpen, ksAsm, ksClose, ksErrno, ksStrerror, ksFree, malloc, free;
    private int engine; // ks_engine*, 0 once closed
    private boolean broken;

    /**
     * Starts loading the compiled module on a daemon thread, so that a command can do other start-up
     * work (reading files, loading Unicorn) meanwhile; {@link #open} waits for it. Failures are left
     * for {@link #open} to report.
     */
    public static void preload() {
        Thread t = new Thread(() -> {
            try {
                Aot.get();
            } catch (RuntimeException e) {
                // reported by open()
            }
        }, "keystone-preload");
        t.setDaemon(true);
        t.start();
    }

    public static Keystone open() {
        return new Keystone(KS_ARCH_X86, KS_MODE_64);
    }

    /** An engine for another architecture of the same module, e.g. {@code open(KS_ARCH_ARM64, KS_MODE_LITTLE_ENDIAN)}. */
    public static Keystone open(int arch, int mode) {
        return new Keystone(arch, mode);
    }

    private Keystone(int arch, int mode) {
        Aot aot = Aot.get();
        ImportValues imports = ImportValues.builder().withFunctions(hostFunctions(aot.module())).build();
        try {
            instance = Instance.builder(aot.module()).withMachineFactory(aot::create).withImportValues(imports).build();
        } catch (NoClassDefFoundError e) {
            throw missingAot(e); // the machine class is in .cache/keystone-aot/classes
        }
        memory = instance.memory();
        // Export names are emscripten's minified ones; see the JS glue of the npm package.
        ExportFunction ctors = instance.export("v");
        ksOpen = instance.export("A");
        ksAsm = instance.export("E");
        ksClose = instance.export("B");
        ksErrno = instance.export("x");
        ksStrerror = instance.export("y");
        ksFree = instance.export("D");
        malloc = instance.export("G");
        free = instance.export("H");
        // "C" is ks_option: deliberately not looked up.

        aot.data().writeTo(memory);
        call(ctors);
        int out = alloc(4);
        int err = (int) call(ksOpen, arch, mode, out)[0];
        engine = memory.readInt(out);
        call(free, out);
        if (err != 0) {
            throw new KeystoneException(err, strerror(err), takeOutput());
        }
    }

    /**
     * ks_asm. Returns the machine code and the statement count Keystone reports.
     *
     * @throws KeystoneException on an assembly error (errno = ks_errno) or a crash (then this instance is broken)
     * @throws IllegalStateException if this instance is closed or broken
     */
    public Result asm(String source, long address) {
        checkUsable();
        output.reset();
        byte[] utf8 = source.getBytes(StandardCharsets.UTF_8);
        int src = alloc(utf8.length + 1);
        memory.write(src, utf8);
        memory.writeByte(src + utf8.length, (byte) 0);
        int outs = alloc(12); // unsigned char **encoding; size_t *size; size_t *stat_count (wasm32: 4 bytes each)
        memory.write(outs, new byte[12]);
        int rc = (int) call(ksAsm, engine, src, address, outs, outs + 4, outs + 8)[0];
        int encoding = memory.readInt(outs), size = memory.readInt(outs + 4), statements = memory.readInt(outs + 8);
        byte[] bytes = encoding == 0 ? new byte[0] : memory.readBytes(encoding, size);
        if (encoding != 0) {
            call(ksFree, encoding);
        }
        call(free, outs);
        call(free, src);
        if (rc != 0) {
            int errno = errno();
            throw new KeystoneException(errno, strerror(errno), takeOutput());
        }
        return new Result(bytes, statements, takeOutput());
    }

    /** ks_errno: the error of the last call on this engine. */
    public int errno() {
        checkUsable();
        return (int) call(ksErrno, engine)[0];
    }

    /** ks_strerror: Keystone's text for an error code. */
    public String strerror(int code) {
        if (broken) {
            throw new IllegalStateException(BROKEN);
        }
        return memory.readCString((int) call(ksStrerror, code)[0], StandardCharsets.UTF_8);
    }

    public boolean isBroken() {
        return broken;
    }

    /** ks_close; idempotent. A broken instance is just dropped. */
    @Override
    public void close() {
        if (engine == 0) {
            return;
        }
        int e = engine;
        engine = 0;
        if (!broken) {
            try {
                call(ksClose, e);
            } catch (KeystoneException ignored) {
                // call() marked the instance broken; nothing else to release
            }
        }
    }

    private void checkUsable() {
        if (broken) {
            throw new IllegalStateException(BROKEN);
        }
        if (engine == 0) {
            throw new IllegalStateException("Keystone instance is closed");
        }
    }

    private int alloc(int size) {
        int p = (int) call(malloc, size)[0];
        if (p == 0) {
            throw new KeystoneException("Keystone: malloc(" + size + ") failed inside WebAssembly",
                    -1, "out of memory", takeOutput(), false, null);
        }
        return p;
    }

    /** Calls into the module; any exception out of it (trap, or abort/exit/throw from our imports) is a crash. */
    private long[] call(ExportFunction f, long... args) {
        try {
            return f.apply(args);
        } catch (RuntimeException | StackOverflowError e) {
            broken = true;
            String detail = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
            throw new KeystoneException("Keystone crashed inside WebAssembly: " + detail,
                    -1, detail, takeOutput(), true, e);
        }
    }

    private String takeOutput() {
        String s = output.toString(StandardCharsets.UTF_8);
        output.reset();
        return s;
    }

    // ---- imports (module "a"; names minified by emscripten, meanings from the npm package's JS glue) ----

    /** Thrown by abort/exit/__cxa_throw imports; surfaces as a crash. */
    private static final class WasmExit extends RuntimeException {
        private static final long serialVersionUID = 1L;

        WasmExit(String message) {
            super(message, null, false, false);
        }
    }

    /** One host function per function import, typed from the module's own import section. */
    private List<ImportFunction> hostFunctions(WasmModule module) {
        var section = module.importSection();
        List<ImportFunction> list = new ArrayList<>();
        for (int i = 0; i < section.importCount(); i++) {
            if (section.getImport(i) instanceof FunctionImport fi) {
                FunctionType type = module.typeSection().getType(fi.typeIndex());
                list.add(new HostFunction(fi.module(), fi.name(), type, handler(fi.name())));
            }
        }
        return list;
    }

    private static long[] ret(long v) {
        return new long[] {v};
    }

    private WasmFunctionHandle handler(String name) {
        return switch (name) {
            case "a" -> (inst, args) -> { throw new WasmExit("C++ exception thrown (__cxa_throw)"); };
            case "t" -> (inst, args) -> { throw new WasmExit("abort() called"); };
            case "h" -> (inst, args) -> { throw new WasmExit("exit(" + (int) args[0] + ") called"); };
            case "o" -> (inst, args) -> ret(getcwd((int) args[0], (int) args[1]));
            case "n" -> (inst, args) -> { // environ_sizes_get(count*, bufsize*): empty environment
                memory.writeI32((int) args[0], 0);
                memory.writeI32((int) args[1], 0);
                return ret(0);
            };
            case "m" -> (inst, args) -> ret(0); // environ_get: nothing to fill in
            case "q" -> (inst, args) -> ret(fdWrite((int) args[0], (int) args[1], (int) args[2], (int) args[3]));
            case "j" -> (inst, args) -> ret((int) args[0] <= 2 ? ESPIPE : EBADF); // fd_seek: stdio is a tty
            case "s" -> (inst, args) -> ret(resizeHeap(args[0] & 0xffffffffL));
            case "p", "f", "d", "e" -> (inst, args) -> ret(-ENOENT); // openat/stat64/lstat64/newfstatat: no files
            case "g", "k", "l" -> (inst, args) -> ret(-ENOSYS); // fstat64, mmap_js, munmap_js
            case "b", "c", "i", "r" -> (inst, args) -> ret(ENOSYS); // fd_fdstat_get, fd_close, fd_pread, fd_read
            default -> (inst, args) -> { throw new WasmExit("unexpected import a." + name); };
        };
    }

    private int getcwd(int buf, int size) {
        if (size == 0) {
            return -EINVAL;
        }
        if (size < 2) {
            return -ERANGE;
        }
        memory.writeCString(buf, "/");
        return 2; // emscripten returns the length including the NUL
    }

    private int fdWrite(int fd, int iov, int iovcnt, int written) {
        if (fd != 1 && fd != 2) {
            return EBADF;
        }
        int total = 0;
        for (int i = 0; i < iovcnt; i++) {
            int ptr = memory.readInt(iov + 8 * i), len = memory.readInt(iov + 8 * i + 4);
            output.write(memory.readBytes(ptr, len), 0, len);
            total += len;
        }
        memory.writeI32(written, total);
        return 0;
    }

    /**
     * emscripten_resize_heap(requested bytes): grow linear memory to at least that size. Like emscripten's JS,
     * over-grow by 20% (each grow copies the whole memory, and malloc asks again for every few pages);
     * fall back to the exact size if that fails. Only large sources (thousands of lines) get here.
     */
    private int resizeHeap(long requested) {
        long page = Memory.PAGE_SIZE, current = memory.pages() * page;
        if (requested <= current) {
            return 1;
        }
        long generous = Math.max(requested, current + current / 5);
        for (long target : new long[] {generous, requested}) {
            long pages = (target - current + page - 1) / page;
            if (memory.pages() + pages <= memory.maximumPages() && memory.grow((int) pages) >= 0) {
                return 1;
            }
        }
        return 0;
    }

    // ---- the ahead-of-time compiled module, looked up reflectively so this class compiles without it ----

    private record Aot(WasmModule module, DataImage data, MethodHandle factory) {
        private static Aot cached;

        static synchronized Aot get() {
            if (cached == null) {
                try {
                    Class<?> c = Class.forName(AOT_CLASS);
                    byte[] meta;
                    try (var in = c.getResourceAsStream("KeystoneWasm.meta")) {
                        if (in == null) throw new java.io.FileNotFoundException("KeystoneWasm.meta");
                        meta = in.readAllBytes();
                    }
                    // Chicory would build an object per data segment (47,401 of them) on every start;
                    // the segments are only ever copied into memory once, so do that from the bytes.
                    DataImage data = DataImage.split(meta);
                    WasmModule m = com.dylibso.chicory.wasm.Parser.parse(data.module());
                    MethodHandle create = MethodHandles.publicLookup().findStatic(c, "create",
                            MethodType.methodType(Machine.class, Instance.class));
                    cached = new Aot(m, data, create);
                } catch (VirtualMachineError e) {
                    throw e;
                } catch (Throwable e) { // ClassNotFound, NoClassDefFound, missing .meta resource, ...
                    throw missingAot(e);
                }
            }
            return cached;
        }

        Machine create(Instance instance) {
            try {
                return (Machine) factory.invokeExact(instance);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * A wasm module split in two: the module without its data sections, for Chicory to parse, and
     * its active data segments as (offset, bytes) ranges of the original file, copied into memory
     * before the constructors run — what instantiation would have done with them.
     */
    record DataImage(byte[] module, byte[] source, int[] offsets, int[] starts, int[] lengths) {
        private static final int DATA = 11, DATA_COUNT = 12;

        static DataImage split(byte[] wasm) {
            var module = new java.io.ByteArrayOutputStream(wasm.length);
            module.write(wasm, 0, 8); // magic and version
            int[] pos = {8};
            int[] offsets = new int[0], starts = new int[0], lengths = new int[0];
            while (pos[0] < wasm.length) {
                int sectionStart = pos[0];
                int id = wasm[pos[0]++] & 0xFF;
                int size = (int) leb(wasm, pos);
                int body = pos[0];
                pos[0] = body + size;
                if (id == DATA_COUNT) continue;
                if (id != DATA) {
                    module.write(wasm, sectionStart, pos[0] - sectionStart);
                    continue;
                }
                int[] p = {body};
                int count = (int) leb(wasm, p);
                offsets = new int[count];
                starts = new int[count];
                lengths = new int[count];
                for (int i = 0; i < count; i++) {
                    int flags = (int) leb(wasm, p);
                    // Only "active, memory 0, offset = i32.const N": what emscripten emits here.
                    if (flags != 0 || (wasm[p[0]++] & 0xFF) != 0x41) {
                        throw new IllegalStateException("unsupported data segment " + i + " (flags " + flags + ")");
                    }
                    offsets[i] = (int) sleb(wasm, p);
                    if ((wasm[p[0]++] & 0xFF) != 0x0B) throw new IllegalStateException("data segment " + i + ": offset is not a constant");
                    lengths[i] = (int) leb(wasm, p);
                    starts[i] = p[0];
                    p[0] += lengths[i];
                }
            }
            return new DataImage(module.toByteArray(), wasm, offsets, starts, lengths);
        }

        void writeTo(Memory memory) {
            for (int i = 0; i < offsets.length; i++) memory.write(offsets[i], source, starts[i], lengths[i]);
        }

        private static long leb(byte[] b, int[] pos) {
            return leb(b, pos, false);
        }

        private static long sleb(byte[] b, int[] pos) {
            return leb(b, pos, true);
        }

        /** LEB128, as wasm writes every integer; advances {@code pos[0]}. */
        private static long leb(byte[] b, int[] pos, boolean signed) {
            long result = 0;
            int shift = 0;
            int c;
            do {
                c = b[pos[0]++] & 0xFF;
                result |= (long) (c & 0x7F) << shift;
                shift += 7;
            } while ((c & 0x80) != 0);
            if (signed && shift < 64 && (c & 0x40) != 0) result |= -1L << shift;
            return result;
        }
    }

    private static KeystoneException missingAot(Throwable cause) {
        return new KeystoneException("Keystone's compiled WebAssembly (" + AOT_CLASS + " and its classes in "
                + ".cache/keystone-aot) is missing or unreadable: run scripts/setup", -1, "module missing", "",
                false, cause);
    }
}
