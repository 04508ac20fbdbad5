# host_harness: the native half of `ctxlab vectors --host` (differential against Unicorn).
# Runs a routine once from a test vector's registers and records every register it ends with,
# so that final registers and memory can be compared with Unicorn's bit for bit.
#
#   void host_harness(harness_block *b);      %rdi = b, and the gs base is b as well
#
# Java (ctxlab.host.HostHarness) fills the "in" half, maps the vector's memory at the vector's
# own addresses, and puts host_harness_landing wherever the vector has the return (or resume)
# address that ends the run (Unicorn uses Machine.SENTINEL there). It sets the gs base to the
# block with arch_prctl(ARCH_SET_GS) around the call: at the landing every register belongs to
# the vector, so the only way back to the block is a segment base, which no register holds.
# (Keystone encodes a gs-relative absolute operand as rip-relative, wrongly: those
# instructions are given as bytes, each with its GNU-as spelling.)
#
# Harness block (4 KB, page-aligned):
#
#   offset  contents
#   0x000   in:  rax rbx rcx rdx rsi rdi rbp rsp r8 r9 r10 r11 r12 r13 r14 r15 (8 bytes each)
#   0x080   in:  mxcsr (4 bytes)        0x084  in: x87 control word (2 bytes)
#   0x088   in:  the routine's address (jumped to: [rsp] is the vector's return address)
#   0x090   in:  rflags (8 bytes; only CF PF AF ZF SF DF OF are loaded: Java masks it with 0xCD5,
#                so that TF or AC, which user code may set, never trap or fault in the harness)
#   0x100   out: rax ... r15, same order as "in"
#   0x180   out: mxcsr (4 bytes)        0x184  out: x87 control word (2 bytes)
#   0x188   out: rflags (8 bytes, as pushfq shows them: IF and bit 1 are set in user mode)
#   0x200   harness: the caller's rbx rbp r12 r13 r14 r15 (8 bytes each)
#   0x230   harness: the caller's rsp   0x238 its mxcsr (4)   0x23C its x87 control word (2)

        .text

        .globl  host_harness
host_harness:                           # rdi = harness block (= gs base)
        movq    %rbx, 0x200(%rdi)       # the caller's callee-saved state: restored at the landing
        movq    %rbp, 0x208(%rdi)
        movq    %r12, 0x210(%rdi)
        movq    %r13, 0x218(%rdi)
        movq    %r14, 0x220(%rdi)
        movq    %r15, 0x228(%rdi)
        movq    %rsp, 0x230(%rdi)       # points at our return address into Java
        stmxcsr 0x238(%rdi)
        fnstcw  0x23c(%rdi)
        ldmxcsr 0x080(%rdi)             # the vector's MXCSR
        fldcw   0x084(%rdi)             # the vector's x87 control word
        pushq   0x090(%rdi)             # the vector's rflags, loaded on the caller's stack (the
        popfq                           # vector's stack must not be touched); no instruction up to
                                        # the jump changes a flag: movs only
        movq    0x000(%rdi), %rax       # the vector's registers, rdi last
        movq    0x008(%rdi), %rbx
        movq    0x010(%rdi), %rcx
        movq    0x018(%rdi), %rdx
        movq    0x020(%rdi), %rsi
        movq    0x030(%rdi), %rbp
        movq    0x038(%rdi), %rsp       # now on the vector's stack
        movq    0x040(%rdi), %r8
        movq    0x048(%rdi), %r9
        movq    0x050(%rdi), %r10
        movq    0x058(%rdi), %r11
        movq    0x060(%rdi), %r12
        movq    0x068(%rdi), %r13
        movq    0x070(%rdi), %r14
        movq    0x078(%rdi), %r15
        .byte   0x65,0x48,0x8b,0x3c,0x25,0x28,0x00,0x00,0x00                 # movq %gs:0x28, %rdi  (in: rdi)
        .byte   0x65,0xff,0x24,0x25,0x88,0x00,0x00,0x00                      # jmp *%gs:0x88       (in: routine, as if called)

        .globl  host_harness_landing
host_harness_landing:                   # the routine returned or resumed here: record everything
        .byte   0x65,0x48,0x89,0x04,0x25,0x00,0x01,0x00,0x00                 # movq %rax,%gs:0x100
        .byte   0x65,0x48,0x89,0x1c,0x25,0x08,0x01,0x00,0x00                 # movq %rbx,%gs:0x108
        .byte   0x65,0x48,0x89,0x0c,0x25,0x10,0x01,0x00,0x00                 # movq %rcx,%gs:0x110
        .byte   0x65,0x48,0x89,0x14,0x25,0x18,0x01,0x00,0x00                 # movq %rdx,%gs:0x118
        .byte   0x65,0x48,0x89,0x34,0x25,0x20,0x01,0x00,0x00                 # movq %rsi,%gs:0x120
        .byte   0x65,0x48,0x89,0x3c,0x25,0x28,0x01,0x00,0x00                 # movq %rdi,%gs:0x128
        .byte   0x65,0x48,0x89,0x2c,0x25,0x30,0x01,0x00,0x00                 # movq %rbp,%gs:0x130
        .byte   0x65,0x48,0x89,0x24,0x25,0x38,0x01,0x00,0x00                 # movq %rsp,%gs:0x138
        .byte   0x65,0x4c,0x89,0x04,0x25,0x40,0x01,0x00,0x00                 # movq %r8,%gs:0x140
        .byte   0x65,0x4c,0x89,0x0c,0x25,0x48,0x01,0x00,0x00                 # movq %r9,%gs:0x148
        .byte   0x65,0x4c,0x89,0x14,0x25,0x50,0x01,0x00,0x00                 # movq %r10,%gs:0x150
        .byte   0x65,0x4c,0x89,0x1c,0x25,0x58,0x01,0x00,0x00                 # movq %r11,%gs:0x158
        .byte   0x65,0x4c,0x89,0x24,0x25,0x60,0x01,0x00,0x00                 # movq %r12,%gs:0x160
        .byte   0x65,0x4c,0x89,0x2c,0x25,0x68,0x01,0x00,0x00                 # movq %r13,%gs:0x168
        .byte   0x65,0x4c,0x89,0x34,0x25,0x70,0x01,0x00,0x00                 # movq %r14,%gs:0x170
        .byte   0x65,0x4c,0x89,0x3c,0x25,0x78,0x01,0x00,0x00                 # movq %r15,%gs:0x178
        .byte   0x65,0x0f,0xae,0x1c,0x25,0x80,0x01,0x00,0x00                 # stmxcsr %gs:0x180
        .byte   0x65,0xd9,0x3c,0x25,0x84,0x01,0x00,0x00                      # fnstcw %gs:0x184
                                        # back to Java: the caller's stack and callee-saved state
        .byte   0x65,0x48,0x8b,0x24,0x25,0x30,0x02,0x00,0x00                 # movq %gs:0x230,%rsp
        pushfq                          # rflags as the routine left them (no mov above changes
                                        # a flag), through the caller's stack
        .byte   0x65,0x8f,0x04,0x25,0x88,0x01,0x00,0x00                      # popq %gs:0x188      (out: rflags)
        cld                             # the psABI wants DF clear on return to Java
        .byte   0x65,0x48,0x8b,0x1c,0x25,0x00,0x02,0x00,0x00                 # movq %gs:0x200,%rbx
        .byte   0x65,0x48,0x8b,0x2c,0x25,0x08,0x02,0x00,0x00                 # movq %gs:0x208,%rbp
        .byte   0x65,0x4c,0x8b,0x24,0x25,0x10,0x02,0x00,0x00                 # movq %gs:0x210,%r12
        .byte   0x65,0x4c,0x8b,0x2c,0x25,0x18,0x02,0x00,0x00                 # movq %gs:0x218,%r13
        .byte   0x65,0x4c,0x8b,0x34,0x25,0x20,0x02,0x00,0x00                 # movq %gs:0x220,%r14
        .byte   0x65,0x4c,0x8b,0x3c,0x25,0x28,0x02,0x00,0x00                 # movq %gs:0x228,%r15
        .byte   0x65,0x0f,0xae,0x14,0x25,0x38,0x02,0x00,0x00                 # ldmxcsr %gs:0x238
        .byte   0x65,0xd9,0x2c,0x25,0x3c,0x02,0x00,0x00                      # fldcw %gs:0x23c
        ret                             # to host_harness's caller

        .section .note.GNU-stack,"",@progbits
