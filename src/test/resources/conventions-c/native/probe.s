        .text
        .globl  probe
        .globl  probe_bad
        .globl  probe_fp
# struct pair probe(void *fn, void *a0, void *a1, uint64_t seed)
# sets rbx rbp r12-r15 (and MXCSR, x87 CW when probe_fp != 0) from seed, calls fn(a0, a1),
# checks they came back, ORs mismatch bits into probe_bad; returns fn's rax:rdx.
probe:
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        subq    $40, %rsp
        stmxcsr 0(%rsp)
        fnstcw  4(%rsp)
        movq    %rcx, 8(%rsp)
        movq    %rdi, %rax
        movq    %rsi, %rdi
        movq    %rdx, %rsi
        movq    %rcx, %rbx
        movq    %rcx, %rbp
        notq    %rbp
        leaq    1(%rcx), %r12
        leaq    2(%rcx), %r13
        leaq    3(%rcx), %r14
        leaq    4(%rcx), %r15
        cmpl    $0, probe_fp(%rip)
        je      1f
        movl    %ecx, %r8d
        andl    $3, %r8d
        shll    $13, %r8d
        orl     $0x1f80, %r8d
        movl    %r8d, 16(%rsp)
        ldmxcsr 16(%rsp)
        movl    %ecx, %r8d
        andl    $3, %r8d
        shll    $10, %r8d
        orl     $0x037f, %r8d
        movw    %r8w, 20(%rsp)
        fldcw   20(%rsp)
1:      call    *%rax
        xorl    %r11d, %r11d
        movq    8(%rsp), %rcx
        cmpq    %rcx, %rbx
        je      2f
        orl     $1, %r11d
2:      notq    %rcx
        cmpq    %rcx, %rbp
        je      2f
        orl     $2, %r11d
2:      notq    %rcx
        leaq    1(%rcx), %r8
        cmpq    %r8, %r12
        je      2f
        orl     $4, %r11d
2:      leaq    2(%rcx), %r8
        cmpq    %r8, %r13
        je      2f
        orl     $8, %r11d
2:      leaq    3(%rcx), %r8
        cmpq    %r8, %r14
        je      2f
        orl     $16, %r11d
2:      leaq    4(%rcx), %r8
        cmpq    %r8, %r15
        je      2f
        orl     $32, %r11d
2:      cmpl    $0, probe_fp(%rip)
        je      3f
        stmxcsr 24(%rsp)
        movl    24(%rsp), %r8d
        andl    $0xffc0, %r8d
        movl    16(%rsp), %r9d
        andl    $0xffc0, %r9d
        cmpl    %r8d, %r9d
        je      2f
        orl     $64, %r11d
2:      fnstcw  24(%rsp)
        movw    24(%rsp), %r8w
        cmpw    %r8w, 20(%rsp)
        je      3f
        orl     $128, %r11d
3:      orl     %r11d, probe_bad(%rip)
        ldmxcsr 0(%rsp)
        fldcw   4(%rsp)
        addq    $40, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret
        .data
probe_bad: .long 0
probe_fp:  .long 0
        .section .note.GNU-stack,"",@progbits
