// Constructs real AArch64 switch files use, each once; aarch64-linux-gnu-as takes all of them
// and ctxlab must give the same bytes (Arm64InputTest).
        .file   "constructs.s"
        .arch   armv8-a
        .text
        .p2align 4
        .globl  demo
        .type   demo, %function
demo:
        .cfi_startproc
        bti     c
        paciasp
        stp     x29, x30, [sp, #-0xb0]!
        .cfi_def_cfa_offset 0xb0
        mov     x29, sp
        adr     x4, 1f
        adr     x5, helper
        adrp    x6, helper
        add     x6, x6, :lo12:helper
        mov     x0, #0x10
        movk    x0, #0xbeef, lsl #16
        and     x1, x0, ~0xF
        cbz     x0, 1f
        cbnz    w0, 2f
        tbz     x0, #3, 1f
        tbnz    x0, #63, 2f
        b.ne    1f
        b.hs    2f
        blr     x4
        bl      helper
        br      x5
1:      nop
2:      ldp     x29, x30, [sp], #0xb0
        autiasp
        ret     x4
        .cfi_endproc
        .size   demo, .-demo

        .balign 8
        .type   helper, %function
helper:
        bti     j
        bti     jc
        hint    #34
        xpaclri
        mov     x2, xzr
        str     xzr, [sp, #-16]!
        ldr     x3, [sp], #16
        ret
        .size   helper, .-helper

        .pushsection .rodata
table:  .quad   1, 2, 3
        .popsection
        .section .note.GNU-stack,"",%progbits
