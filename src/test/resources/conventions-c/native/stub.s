        .text
        .globl align_stub, stub_rsp, stub_target
align_stub:
        movq    %rsp, stub_rsp(%rip)
        jmpq    *stub_target(%rip)
        .data
stub_rsp: .quad 0
stub_target: .quad 0
        .section .note.GNU-stack,"",@progbits
