// Scenario 3, context to context (AArch64): main -> A -> B -> C -> main, each leaving a mark.
// ctxlab-arch: arm64
//
// Results: 0x400 number of marks, 0x408.. the marks in order ('A', 'B', 'C', 'M'),
//          0x480 main's x19-x28, 0x4d0 x29 after it got control back.

        .text
        .globl  chain_main
chain_main:                             // x0 = scenario block
        stp     x29, x30, [sp, #-96]!
        mov     x29, sp
        stp     x19, x20, [sp, #16]
        stp     x21, x22, [sp, #32]
        stp     x23, x24, [sp, #48]
        stp     x25, x26, [sp, #64]
        stp     x27, x28, [sp, #80]
        mov     x19, x0
        mov     x20, #0x2020
        mov     x21, #0x2121
        mov     x22, #0x2222
        mov     x23, #0x2323
        mov     x24, #0x2424
        mov     x25, #0x2525
        mov     x26, #0x2626
        mov     x27, #0x2727
        mov     x28, #0x2828
        add     x0, x19, #0x000         // save: main
        add     x1, x19, #0x0c0         // restore: A
        bl      cem_swapcontext
        ldr     x9, [x19, #0x400]       // main's mark
        add     x10, x19, #0x408
        mov     x11, #'M'
        str     x11, [x10, x9, lsl #3]
        add     x9, x9, #1
        str     x9, [x19, #0x400]
        add     x9, x19, #0x480         // main's registers
        stp     x19, x20, [x9, #0x00]
        stp     x21, x22, [x9, #0x10]
        stp     x23, x24, [x9, #0x20]
        stp     x25, x26, [x9, #0x30]
        stp     x27, x28, [x9, #0x40]
        str     x29, [x19, #0x4d0]
        ldp     x27, x28, [sp, #80]
        ldp     x25, x26, [sp, #64]
        ldp     x23, x24, [sp, #48]
        ldp     x21, x22, [sp, #32]
        ldp     x19, x20, [sp, #16]
        ldp     x29, x30, [sp], #96
        ret

        .globl  chain_strand
chain_strand:                           // x19 = block, x20 = mark, x21 = own context, x22 = next context
        ldr     x9, [x19, #0x400]
        add     x10, x19, #0x408
        str     x20, [x10, x9, lsl #3]
        add     x9, x9, #1
        str     x9, [x19, #0x400]
        mov     x0, x21
        mov     x1, x22
        bl      cem_swapcontext
        brk     #1                      // never resumed
