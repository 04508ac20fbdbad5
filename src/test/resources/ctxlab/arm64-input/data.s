// Every data directive of AArch64 GNU as in a code section (Keystone drops .inst without a word
// and does not know .dword: the front-end writes them as .word and .quad).
f:
 .byte 1
 .hword 0x202
 .short 0x303
 .2byte 0x404
 .word 0x5050505
 .long 0x6060606
 .int 0x7070707
 .4byte 0x8080808
 .quad 0x0909090909090909
 .xword 0x0a0a0a0a0a0a0a0a
 .dword 0x0b0b0b0b0b0b0b0b
 .8byte 0x0c0c0c0c0c0c0c0c
 .zero 2
 .skip 3
 .space 1
 .fill 2, 2, 0x1d1d
 .ascii "ab"
 .asciz "cd"
 .string "ef"
 .balign 4
 .inst 0xd503201f
 ret
