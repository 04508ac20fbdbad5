/*
 * cem_swapcontext.S: Cem's AArch64 switch (the routine of asm/context_arm64.s, the same
 * 176-byte context) written the way switch files are shipped: a .S file run through the
 * C preprocessor, selecting its code with the compiler's architecture macros, with offsets
 * as macros, CFI for debuggers, BTI landing pads when the compiler asks for them
 * (-mbranch-protection=bti defines __ARM_FEATURE_BTI_DEFAULT) and the GNU property note
 * that tells the linker so.
 *
 *   void cem_swapcontext(cem_context *save, cem_context *restore);
 *                         x0 = save            x1 = restore
 *
 * ctxlab reads it with AArch64's predefined macros: `ctxlab verify asm/input-arm64/cem_swapcontext.S`
 * needs no --arch (see docs/arm64-input.md).
 */

#if !defined(__aarch64__)
#error "cem_swapcontext.S is the AArch64 switch; asm/context_x86_64.s is the x86-64 one"
#endif

/* Slots of the context (asm/README-arm64.md, ctxlab.abi.Arm64Layout). */
#define CTX_X19   0x00
#define CTX_X21   0x10
#define CTX_X23   0x20
#define CTX_X25   0x30
#define CTX_X27   0x40
#define CTX_FP    0x50          /* x29, then x30 (lr) at 0x58 */
#define CTX_SP    0x60
#define CTX_D8    0x68
#define CTX_D10   0x78
#define CTX_D12   0x88
#define CTX_D14   0x98
#define CTX_FPCR  0xa8

#if defined(__ARM_FEATURE_BTI_DEFAULT) && __ARM_FEATURE_BTI_DEFAULT == 1
#  define LANDING_PAD bti c
#  define GNU_PROPERTY_BTI 1
#else
#  define LANDING_PAD
#  define GNU_PROPERTY_BTI 0
#endif

/* One pair of registers to or from the context. No "#" before off: in a function-like macro it
   would make a string of it (GNU as takes the immediate without "#" too). */
#define PAIR(op, a, b, base, off)  op a, b, [base, off]

        .file   "cem_swapcontext.S"
        .text
        .p2align 2
        .global cem_swapcontext
        .hidden cem_swapcontext
        .type   cem_swapcontext, %function
cem_swapcontext:
        .cfi_startproc
        LANDING_PAD
        // the running strand into *save (x0)
        PAIR(stp, x19, x20, x0, CTX_X19)
        PAIR(stp, x21, x22, x0, CTX_X21)
        PAIR(stp, x23, x24, x0, CTX_X23)
        PAIR(stp, x25, x26, x0, CTX_X25)
        PAIR(stp, x27, x28, x0, CTX_X27)
        PAIR(stp, x29, x30, x0, CTX_FP)     // x30: where this strand resumes
        mov     x9, sp                      // str cannot take sp as its source
        str     x9, [x0, #CTX_SP]
        PAIR(stp, d8, d9, x0, CTX_D8)
        PAIR(stp, d10, d11, x0, CTX_D10)
        PAIR(stp, d12, d13, x0, CTX_D12)
        PAIR(stp, d14, d15, x0, CTX_D14)
        mrs     x10, fpcr
        str     x10, [x0, #CTX_FPCR]

        // the strand in *restore (x1)
        PAIR(ldp, x19, x20, x1, CTX_X19)
        PAIR(ldp, x21, x22, x1, CTX_X21)
        PAIR(ldp, x23, x24, x1, CTX_X23)
        PAIR(ldp, x25, x26, x1, CTX_X25)
        PAIR(ldp, x27, x28, x1, CTX_X27)
        PAIR(ldp, x29, x30, x1, CTX_FP)
        ldr     x9, [x1, #CTX_SP]
        PAIR(ldp, d8, d9, x1, CTX_D8)
        PAIR(ldp, d10, d11, x1, CTX_D10)
        PAIR(ldp, d12, d13, x1, CTX_D12)
        PAIR(ldp, d14, d15, x1, CTX_D14)
        ldr     x10, [x1, #CTX_FPCR]
        msr     fpcr, x10
        mov     sp, x9                      // sp last: from here on the other strand's stack
        ret                                 // to restore->x30
        .cfi_endproc
        .size   cem_swapcontext, .-cem_swapcontext

#if GNU_PROPERTY_BTI
        /* GNU_PROPERTY_AARCH64_FEATURE_1_AND with the BTI bit: this object has its landing pads. */
        .pushsection .note.gnu.property, "a", %note
        .p2align 3
        .word   4, 16, 5                    /* name size, descriptor size, NT_GNU_PROPERTY_TYPE_0 */
        .asciz  "GNU"
        .word   0xc0000000, 4, GNU_PROPERTY_BTI, 0
        .popsection
#endif

        .section .note.GNU-stack,"",%progbits
