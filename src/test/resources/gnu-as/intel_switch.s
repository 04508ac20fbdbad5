# A switch in Intel syntax (as some runtimes write it), then back to AT&T.
        .intel_syntax noprefix
        .text
        .globl intel_swap
intel_swap:
        mov     qword ptr [rdi], rbx
        mov     qword ptr [rdi + 8], rbp
        mov     [rdi + 16], r12
        mov     [rdi + 24], r13
        mov     [rdi + 32], r14
        mov     [rdi + 40], r15
        mov     [rdi + 48], rsp
        stmxcsr dword ptr [rdi + 56]
        mov     rax, qword ptr fs:0x28
        mov     rcx, qword ptr fs:[0x28]
        mov     rdx, [0x1000]
        sub     rsp, 010
        add     rsp, 8
        mov     eax, 10
        lea     rax, [rip + resume_point]
        lea     rcx, [rip + .Lresume]
        lea     rdx, [rip + 1f]
        rdsspq  rax
        incsspq rcx
        rstorssp [rax + 8]
        wrssq   qword ptr [rdi], rax
resume_point:
.Lresume:
1:      mov     rbx, [rsi]
        mov     rbp, [rsi + 8]
        mov     r12, [rsi + 16]
        mov     r13, [rsi + 24]
        mov     r14, [rsi + 32]
        mov     r15, [rsi + 40]
        mov     rsp, [rsi + 48]
        ldmxcsr dword ptr [rsi + 56]
        .att_syntax
        movq    $10, %rax
        movq    0x10(%rsp), %rcx
        ret
