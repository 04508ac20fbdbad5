/*
 * fcontext_arm64.S: a Boost.Context-style fcontext for AArch64 (ELF, AAPCS64), ctxlab's own
 * code in the style of Boost's jump_/make_/ontop_arm64_aapcs_elf_gas.S: a context is a
 * 0xb0-byte frame on the suspended stack, its address is the fcontext_t, and a switch returns
 * transfer_t { fctx, data } in x0/x1.
 *
 *   transfer_t jump_fcontext(fcontext_t to, void *data);
 *   fcontext_t make_fcontext(void *stack_top, size_t size, void (*fn)(transfer_t));
 *   transfer_t ontop_fcontext(fcontext_t to, void *data, transfer_t (*fn)(transfer_t));
 *
 * Frame (offsets from the fcontext_t):
 *   0x00 d8  0x08 d9  0x10 d10 0x18 d11 0x20 d12 0x28 d13 0x30 d14 0x38 d15
 *   0x40 x19 0x48 x20 0x50 x21 0x58 x22 0x60 x23 0x68 x24 0x70 x25 0x78 x26
 *   0x80 x27 0x88 x28 0x90 fp  0x98 lr  0xa0 pc  0xa8 (padding: the frame stays 16-aligned)
 *
 * It uses what such files use: '#' comment lines, .cpu, .type %function, .hidden, .size .-sym,
 * a BTI landing pad and GNU property note when the compiler asks for BTI, adr of a local label,
 * "ret x4", and a call to an undefined function (_exit) that only the linker resolves.
 */

#if defined(__aarch64__) && defined(__ELF__)

#define FRAME 0xb0

.cpu    generic+fp+simd
.text

.align  2
.global jump_fcontext
.hidden jump_fcontext
.type   jump_fcontext, %function
jump_fcontext:
#if defined(__ARM_FEATURE_BTI_DEFAULT)
    bti  c
#endif
    # make room for the frame on the current stack
    sub  sp, sp, #FRAME

    # callee-saved floating point: the low halves of v8-v15
    stp  d8,  d9,  [sp, #0x00]
    stp  d10, d11, [sp, #0x10]
    stp  d12, d13, [sp, #0x20]
    stp  d14, d15, [sp, #0x30]

    # callee-saved general registers, then fp and lr
    stp  x19, x20, [sp, #0x40]
    stp  x21, x22, [sp, #0x50]
    stp  x23, x24, [sp, #0x60]
    stp  x25, x26, [sp, #0x70]
    stp  x27, x28, [sp, #0x80]
    stp  fp,  lr,  [sp, #0x90]

    # where this context resumes: our caller
    str  lr, [sp, #0xa0]

    # the frame's address is the fcontext_t we hand over; sp moves to the target
    mov  x4, sp
    mov  sp, x0

    ldp  d8,  d9,  [sp, #0x00]
    ldp  d10, d11, [sp, #0x10]
    ldp  d12, d13, [sp, #0x20]
    ldp  d14, d15, [sp, #0x30]

    ldp  x19, x20, [sp, #0x40]
    ldp  x21, x22, [sp, #0x50]
    ldp  x23, x24, [sp, #0x60]
    ldp  x25, x26, [sp, #0x70]
    ldp  x27, x28, [sp, #0x80]
    ldp  fp,  lr,  [sp, #0x90]

    # transfer_t { from, data }: x0 = the suspended frame, x1 = data (unchanged)
    mov  x0, x4

    # resume address, then drop the frame
    ldr  x4, [sp, #0xa0]
    add  sp, sp, #FRAME
    ret  x4
.size   jump_fcontext,.-jump_fcontext

.align  2
.global make_fcontext
.hidden make_fcontext
.type   make_fcontext, %function
make_fcontext:
#if defined(__ARM_FEATURE_BTI_DEFAULT)
    bti  c
#endif
    # the stack top, 16-byte aligned, less one frame
    and  x0, x0, ~0xF
    sub  x0, x0, #FRAME

    # no frame chain above the entry
    str  xzr, [x0, #0x90]

    # the frame resumes at fn
    str  x2, [x0, #0xa0]

    # and fn "returns" to finish
    adr  x1, finish
    str  x1, [x0, #0x98]

    ret  x30

finish:
    # fn returned: that ends the process
    mov  x0, #0
    bl   _exit
.size   make_fcontext,.-make_fcontext

.align  2
.global ontop_fcontext
.hidden ontop_fcontext
.type   ontop_fcontext, %function
ontop_fcontext:
#if defined(__ARM_FEATURE_BTI_DEFAULT)
    bti  c
#endif
    sub  sp, sp, #FRAME

    stp  d8,  d9,  [sp, #0x00]
    stp  d10, d11, [sp, #0x10]
    stp  d12, d13, [sp, #0x20]
    stp  d14, d15, [sp, #0x30]

    stp  x19, x20, [sp, #0x40]
    stp  x21, x22, [sp, #0x50]
    stp  x23, x24, [sp, #0x60]
    stp  x25, x26, [sp, #0x70]
    stp  x27, x28, [sp, #0x80]
    stp  x29, x30, [sp, #0x90]

    str  x30, [sp, #0xa0]

    mov  x4, sp
    mov  sp, x0

    ldp  d8,  d9,  [sp, #0x00]
    ldp  d10, d11, [sp, #0x10]
    ldp  d12, d13, [sp, #0x20]
    ldp  d14, d15, [sp, #0x30]

    ldp  x19, x20, [sp, #0x40]
    ldp  x21, x22, [sp, #0x50]
    ldp  x23, x24, [sp, #0x60]
    ldp  x25, x26, [sp, #0x70]
    ldp  x27, x28, [sp, #0x80]
    ldp  x29, x30, [sp, #0x90]

    # fn(transfer_t { from, data }) runs on top of the resumed context: its return
    # value becomes that context's transfer_t
    mov  x0, x4
    ldr  x4, [sp, #0xa0]
    add  sp, sp, #FRAME
    br   x2
.size   ontop_fcontext,.-ontop_fcontext

#if defined(__ARM_FEATURE_BTI_DEFAULT)
    /* GNU_PROPERTY_AARCH64_FEATURE_1_AND = BTI: the linker may then mark the output BTI-only. */
    .pushsection .note.gnu.property, "a", %note
    .p2align 3
    .long 4
    .long 16
    .long 5
    .asciz "GNU"
    .p2align 3
    .long 0xc0000000
    .long 4
    .long 1
    .long 0
    .popsection
#endif

# no executable stack needed
.section .note.GNU-stack,"",%progbits

#else
#error "fcontext_arm64.S is for AArch64 ELF targets"
#endif
