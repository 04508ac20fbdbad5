/* A switch-file tail that calls out: GNU as leaves R_AARCH64_CALL26 / JUMP26 for the linker. */
#if !defined(__aarch64__)
#error "AArch64 only"
#endif
        .text
        .globl  start
        .type   start, %function
start:
        mov     x0, #0
        cbz     x1, 1f
        bl      _exit
1:      b       abort
        .size   start, .-start
