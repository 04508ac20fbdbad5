# References to symbols this file does not define: GNU as leaves zero fields and
# relocations; so must ctxlab. Data sections are not code and must not be mixed in.
        .section .rodata
msg:    .asciz "finished\n"
        .data
counter: .quad 0
        .text
        .globl finish
finish:
        leaq    msg(%rip), %rdi
        call    puts@PLT
        call    helper
        testl   %eax, %eax
        jne     fail_path
        movq    counter(%rip), %rax
        cmpq    $5, counter(%rip)
        movq    errno_ptr@GOTPCREL(%rip), %rax
        call    *hook@GOTPCREL(%rip)
        xorl    %edi, %edi
        call    _exit@PLT
        jmp     *resume@GOTPCREL(%rip)
        jmp     elsewhere
        .section .note.GNU-stack,"",@progbits
        .end
this line is after .end: GNU as never reads it, é nor *
        movq    %rax, %rbz
