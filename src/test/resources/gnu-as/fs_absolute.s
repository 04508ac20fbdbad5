# Stack-guard and absolute-address forms, as GNU as encodes them (SIB, no base, disp32).
        .text
        .globl guard_forms
guard_forms:
        movq    %fs:0x28, %rcx
        movq    %fs:0x28, %rax
        movl    %fs:40, %eax
        movq    %rdx, %fs:0x28
        xorq    %fs:40, %rax
        subq    %fs:0x28, %rdx
        cmpq    %fs:0x28, %rdx
        addq    %fs:0x28, %rdx
        movq    $5, %fs:0x28
        movw    %fs:0x28, %ax
        movq    %fs:-8, %rax
        movq    %gs:0, %rax
        movq    %gs:0x30, %r11
        movq    %fs:8(%rax), %rcx
        movq    %fs:(%rdx), %r8
        movq    0x1000, %rax
        movq    %rax, 0x1000
        movl    0x10+0x20, %ecx
        cmpl    $7, 4096
        jmp     *0x2000
        ret
