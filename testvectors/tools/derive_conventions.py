#!/usr/bin/env python3
"""How the vectors of the non-Cem conventions were made: writes testvectors/<convention>/*.json
with every expect block computed from the convention's CONTRACT (docs/conventions-research.md,
src/main/resources/ctxlab/conventions/*.json), NOT from the emulator or the routine's listing.

    python3 testvectors/tools/derive_conventions.py testvectors

The model of each convention is a few lines below (boost_fcontext, libaco, minicoro, libco): what
the switch saves where, and what the resumed side finds on arrival. Only the registers the
contract defines are expected (the callee-saved ones, rsp, rip, the control words, and the
arrival values: Boost's rax/rdx/rdi/rsi, libco's rax = 0 and its restored argument registers);
scratch registers a routine may use (rcx, r8-r11 ...), rflags (status flags are caller-saved)
and the instruction count are implementation choices and are left out, so that any correct
routine of the convention passes (`ctxlab vectors --asm OTHER.s testvectors/libaco`). Memory is
compared in full by ctxlab: the expect block lists every slot of the storage the switch writes.
Unicorn agreed with every value afterwards. Not used by the build or the tests."""
import json, os, sys

OUT = sys.argv[1] if len(sys.argv) > 1 else 'testvectors'
M64 = (1 << 64) - 1
PAGE = 0x1000
GPRS = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15']
NUM = {'rax': 0, 'rcx': 1, 'rdx': 2, 'rbx': 3, 'rsp': 4, 'rbp': 5, 'rsi': 6, 'rdi': 7,
       'r8': 8, 'r9': 9, 'r10': 10, 'r11': 11, 'r12': 12, 'r13': 13, 'r14': 14, 'r15': 15}
ARGS = ['rdi', 'rsi', 'rdx', 'rcx', 'r8', 'r9']
# The running strand's callee-saved values and the resumed strand's, as in Cem's corpus.
RUNNING = dict(rbx=0x1010101010101010, rbp=0x1111111111111111, r12=0x1212121212121212,
               r13=0x1313131313131313, r14=0x1414141414141414, r15=0x1515151515151515)
RESUMED = dict(rbx=0xa0a0a0a0a0a0a0a0, rbp=0xa1a1a1a1a1a1a1a1, r12=0xa2a2a2a2a2a2a2a2,
               r13=0xa3a3a3a3a3a3a3a3, r14=0xa4a4a4a4a4a4a4a4, r15=0xa5a5a5a5a5a5a5a5)
CALLER_RET = 0x1f0000000100      # the caller of the switch: never run, nothing maps it
RESUME_AT = 0x1f0000000200       # where a suspended target resumes
ENTRY = 0x1f0000000400           # a fresh context's entry function
EXIT = 0x1f0000000300            # what lies above a fresh context's entry (never returned to)

# Conventions: storage slots (name, offset, width) exactly as the contract gives them.
SLOTS = {
    'boost-fcontext': [('mxcsr', 0, 4), ('x87cw', 4, 2), ('guard', 8, 8), ('r12', 16, 8), ('r13', 24, 8),
                       ('r14', 32, 8), ('r15', 40, 8), ('rbx', 48, 8), ('rbp', 56, 8), ('rip', 64, 8)],
    'libaco': [('r12', 0, 8), ('r13', 8, 8), ('r14', 16, 8), ('r15', 24, 8), ('retaddr', 32, 8), ('rsp', 40, 8),
               ('rbx', 48, 8), ('rbp', 56, 8), ('fpucw', 64, 2), ('mxcsr', 68, 4)],
    'minicoro': [('rip', 0, 8), ('rsp', 8, 8), ('rbp', 16, 8), ('rbx', 24, 8), ('r12', 32, 8), ('r13', 40, 8),
                 ('r14', 48, 8), ('r15', 56, 8)],
    'libco': [('r15', 0, 8), ('r14', 8, 8), ('r13', 16, 8), ('r12', 24, 8), ('r9', 32, 8), ('r8', 40, 8),
              ('rbp', 48, 8), ('rdi', 56, 8), ('rsi', 64, 8), ('ret', 72, 8), ('rdx', 80, 8), ('rcx', 88, 8),
              ('rbx', 96, 8), ('rsp', 104, 8)],
}
SOURCE = {'boost-fcontext': 'asm/conventions/boost-fcontext/ok-jump-fcontext.s',
          'libaco': 'asm/conventions/libaco/ok-acosw.s',
          'minicoro': 'asm/conventions/minicoro/ok-mco-switch.s',
          'libco': 'asm/conventions/libco/ok-coctx-swap.s'}
CALLEE = ['rbx', 'rbp', 'r12', 'r13', 'r14', 'r15']
# What each contract defines after the switch (see the module comment).
COMPARED = {
    'boost-fcontext': CALLEE + ['rax', 'rdx', 'rdi', 'rsi', 'rsp', 'rip', 'mxcsr', 'fpcw'],
    'libaco': CALLEE + ['rsp', 'rip', 'mxcsr', 'fpcw'],
    'minicoro': CALLEE + ['rsp', 'rip', 'mxcsr', 'fpcw'],
    'libco': CALLEE + ['rax', 'rdi', 'rsi', 'rdx', 'rcx', 'r8', 'r9', 'rsp', 'rip', 'mxcsr', 'fpcw'],
}

# Code symbols a vector names: stand-in numbers in a band nothing else uses, named back on output.
SYMBOLS = {}
def sym(name):
    if name not in SYMBOLS:
        SYMBOLS[name] = 0x7e0000000000 + 0x1000 * len(SYMBOLS)
    return SYMBOLS[name]

def dump(node, ind=0):
    pad = '  ' * ind
    if isinstance(node, dict):
        if not node:
            return '{}'
        items = ['  ' * (ind + 1) + json.dumps(k) + ': ' + dump(v, ind + 1) for k, v in node.items()]
        return '{\n' + ',\n'.join(items) + '\n' + pad + '}'
    if isinstance(node, list):
        return '[' + ', '.join(dump(x) for x in node) + ']'
    return json.dumps(node)


class Vec:
    """One vector: regions (name -> base, size, bytes), storages placed in them, the entry state."""

    def __init__(self, conv, name, desc):
        self.conv, self.name, self.desc = conv, name, desc
        self.regions = {}
        self.slots = {}          # (region, offset) -> {slot: value} as given
        self.qwords = {}         # (region, offset) -> value as given
        self.regs = {}
        self.args = []
        self.until = None
        self.source = SOURCE[conv]
        self.extra = []          # registers this vector's contract defines besides COMPARED
        self.symbol = None       # the routine under test when not the convention's first
        self.asm = []            # further files (a function ontop_fcontext runs)

    def region(self, name, base, size=PAGE):
        self.regions[name] = dict(base=base, size=size, data=bytearray(size))
        return base

    def at(self, a):
        for n, r in self.regions.items():
            if r['base'] <= a < r['base'] + r['size']:
                return n, r
        raise KeyError('unmapped 0x%x' % a)

    def read(self, a, n):
        _, r = self.at(a)
        return int.from_bytes(r['data'][a - r['base']:a - r['base'] + n], 'little')

    def write(self, a, n, v):
        _, r = self.at(a)
        r['data'][a - r['base']:a - r['base'] + n] = (v & ((1 << 8 * n) - 1)).to_bytes(n, 'little')

    def storage(self, a, **vals):
        """Storage of the convention at address a, slot by slot (given slots only)."""
        n, r = self.at(a)
        self.slots[(n, a - r['base'])] = dict(vals)
        for s, off, w in SLOTS[self.conv]:
            if s in vals:
                self.write(a + off, w, vals[s])

    def blank(self, a):
        """A storage nothing has been saved into: 0xeeeeeeeeeeeeeeNN per slot (NN = offset), so
        that a store left out, of any value, shows."""
        vals = {}
        for s, off, w in SLOTS[self.conv]:
            vals[s] = (0xeeeeeeeeeeeeee00 | off) & ((1 << 8 * w) - 1)
        self.storage(a, **vals)

    def qword(self, a, v):
        n, r = self.at(a)
        self.qwords[(n, a - r['base'])] = v
        self.write(a, 8, v)

    def entry(self, rsp, args, **regs):
        state = {g: 0xcccccccccccc0000 | NUM[g] for g in GPRS}
        state.update(RUNNING)
        state.update(rflags=0x202, mxcsr=0x1f80, fpcw=0x37f)
        state.update(regs)
        state['rsp'] = rsp
        for i, a in enumerate(args):
            state[ARGS[i]] = a
        self.args = args
        self.regs = state

    # ---------------------------------------------------------------- naming

    def name_of(self, v, width=8):
        for s, a in SYMBOLS.items():
            if a <= v < a + 0x1000:
                return s if v == a else '%s+0x%x' % (s, v - a)
        if width == 8:
            for n, r in self.regions.items():
                if r['base'] <= v <= r['base'] + r['size']:
                    return n if v == r['base'] else '%s+0x%x' % (n, v - r['base'])
        return '0x%x' % v

    def storage_json(self, vals):
        return {s: self.name_of(vals[s], w) for s, off, w in SLOTS[self.conv] if s in vals}

    def content(self, slots, qwords):
        out = {}
        for (n, off), vals in sorted(slots.items()):
            out.setdefault(n, {}).setdefault('slots', {})['0x%x' % off] = self.storage_json(vals)
        for (n, off), v in sorted(qwords.items()):
            out.setdefault(n, {}).setdefault('qwords', {})['0x%x' % off] = self.name_of(v)
        return out

    # ---------------------------------------------------------------- the run

    def derive(self):
        before = {n: bytes(r['data']) for n, r in self.regions.items()}
        regs = dict(self.regs)
        written = MODELS[self.conv](self, regs)      # [(address of a storage, its slot values)] saved
        # Expected memory: every storage the switch saved into, slot by slot, and any other qword
        # that changed (none of the contracts writes elsewhere, the libco push rewrites an equal word).
        slots, covered = {}, set()
        for a, vals in written:
            n, r = self.at(a)
            slots[(n, a - r['base'])] = vals
            for s, off, w in SLOTS[self.conv]:
                covered.update(range(a + off, a + off + w))
        qwords = {}
        for n, r in self.regions.items():
            for off in range(0, r['size'], 8):
                a = r['base'] + off
                changed = [x for x in range(8) if r['data'][off + x] != before[n][off + x] and a + x not in covered]
                if changed:
                    assert not any(x in covered for x in range(a, a + 8)), 'a write next to a storage'
                    qwords[(n, off)] = self.read(a, 8)
        return regs, slots, qwords

    def json(self):
        regs, slots, qwords = self.derive()
        regions = {}
        given = self.content(self.slots, self.qwords)
        for n, r in self.regions.items():
            j = {'base': '0x%x' % r['base'], 'size': '0x%x' % r['size'], 'prot': 'rw'}
            j.update(given.get(n, {}))
            regions[n] = j
        state = {}
        for g in GPRS + ['rflags', 'mxcsr', 'fpcw']:
            if g in ARGS[:len(self.args)]:
                continue
            state[g] = self.name_of(self.regs[g], 2 if g == 'fpcw' else 4 if g == 'mxcsr' else 8)
        call = {'args': [self.name_of(a) for a in self.args]}
        if self.until is not None:
            call['until'] = self.until if isinstance(self.until, str) else self.name_of(self.until)
        expect_regs = {}
        for g in GPRS + ['rip', 'rflags', 'mxcsr', 'fpcw']:
            if g in COMPARED[self.conv] or g in self.extra:
                expect_regs[g] = self.name_of(regs[g], 2 if g == 'fpcw' else 4 if g == 'mxcsr' else 8)
        v = {'$schema': '../vector.schema.json', 'name': self.name, 'description': self.desc,
             'convention': self.conv, 'source': self.source, **({'symbol': self.symbol} if self.symbol else {}),
             **({'asm': self.asm} if self.asm else {}), 'memory': regions, 'registers': state, 'call': call,
             'expect': {'registers': expect_regs, 'memory': self.content(slots, qwords)}}
        return v


# -------------------------------------------------------------------- the contracts

def boost_fcontext(v, r):
    # transfer_t jump_fcontext(to = rdi, data = rsi): frame F = E - 0x40 below the caller's rsp E;
    # F+0x40 (rip) is the caller's return address already there; arrival: rsp = to + 0x48,
    # rip = [to + 0x40], rax = rdi = F (from), rdx = rsi = data.
    E = r['rsp']
    F = E - 0x40
    vals = dict(mxcsr=r['mxcsr'], x87cw=r['fpcw'], r12=r['r12'], r13=r['r13'], r14=r['r14'], r15=r['r15'],
                rbx=r['rbx'], rbp=r['rbp'], rip=v.read(E, 8))
    vals['guard'] = v.read(F + 8, 8)      # not the switch's: the TLS guard is left as it is
    for s, off, w in SLOTS[v.conv]:
        v.write(F + off, w, vals[s])
    to, data = r['rdi'], r['rsi']
    r['mxcsr'], r['fpcw'] = v.read(to, 4), v.read(to + 4, 2)
    for g, off in (('r12', 16), ('r13', 24), ('r14', 32), ('r15', 40), ('rbx', 48), ('rbp', 56)):
        r[g] = v.read(to + off, 8)
    r['rip'] = v.read(to + 64, 8)
    r['rsp'] = to + 0x48
    r['rax'] = r['rdi'] = F
    r['rdx'] = r['rsi'] = data
    # ontop_fcontext: fn(rdi = F, rsi = data) runs with rsp = to + 0x40 and returns (ontop_fn:
    # rax = rdi, rdx = rsi) through the rip slot: the same arrival as a jump.
    return [(F, vals)]

def libaco(v, r):
    # acosw(from = rdi, to = rsi): from gets r12-r15, retaddr = [E], rsp = E + 8, rbx, rbp, the x87
    # CW (2 bytes at 0x40; 0x42..0x43 untouched) and MXCSR (0x44); then every slot of to is loaded,
    # rsp = to->rsp, rip = to->retaddr. No stack write.
    E, save, to = r['rsp'], r['rdi'], r['rsi']
    vals = dict(r12=r['r12'], r13=r['r13'], r14=r['r14'], r15=r['r15'], retaddr=v.read(E, 8), rsp=E + 8,
                rbx=r['rbx'], rbp=r['rbp'], fpucw=r['fpcw'], mxcsr=r['mxcsr'])
    for s, off, w in SLOTS[v.conv]:
        v.write(save + off, w, vals[s])
    for g, off in (('r12', 0), ('r13', 8), ('r14', 16), ('r15', 24), ('rbx', 48), ('rbp', 56)):
        r[g] = v.read(to + off, 8)
    r['fpcw'], r['mxcsr'] = v.read(to + 0x40, 2), v.read(to + 0x44, 4)
    r['rip'], r['rsp'] = v.read(to + 0x20, 8), v.read(to + 0x28, 8)
    return [(save, vals)]

def minicoro(v, r, through_ret=False):
    # _mco_switch(from = rdi, to = rsi): from gets rip = the routine's own final ret (mco_resume in
    # ok-mco-switch.s and the broken variants), rsp = E, rbp, rbx, r12-r15; then rsp = to->rsp, jmp *to->rip. A target
    # suspended by _mco_switch resumes on that ret, which pops its caller's return address: the
    # vectors that run through it (until = that address) model the ret too. MXCSR and the x87 CW
    # are not switched.
    E, save, to = r['rsp'], r['rdi'], r['rsi']
    vals = dict(rip=sym('mco_resume'), rsp=E, rbp=r['rbp'], rbx=r['rbx'], r12=r['r12'], r13=r['r13'],
                r14=r['r14'], r15=r['r15'])
    for s, off, w in SLOTS[v.conv]:
        v.write(save + off, w, vals[s])
    for g, off in (('rbp', 16), ('rbx', 24), ('r12', 32), ('r13', 40), ('r14', 48), ('r15', 56)):
        r[g] = v.read(to + off, 8)
    r['rsp'], r['rip'] = v.read(to + 8, 8), v.read(to, 8)
    if r['rip'] == sym('mco_resume') and v.until != 'stop-at-ret':
        r['rip'] = v.read(r['rsp'], 8)      # the ret of the suspended side
        r['rsp'] += 8
    return [(save, vals)]

def libco(v, r):
    # coctx_swap(cur = rdi, pending = rsi): cur gets the 14 slots (rsp = E, ret = [E], the argument
    # registers as they were at entry); then rsp = pending->rsp + 8, [pending->rsp] = pending->ret
    # (the push), rip = pending->ret, rax = 0, and rbx rbp r12-r15 rdi rsi rdx rcx r8 r9 from pending.
    E, save, to = r['rsp'], r['rdi'], r['rsi']
    vals = {s: r[s] for s in ('r15', 'r14', 'r13', 'r12', 'r9', 'r8', 'rbp', 'rdi', 'rsi', 'rdx', 'rcx', 'rbx')}
    vals.update(ret=v.read(E, 8), rsp=E)
    for s, off, w in SLOTS[v.conv]:
        v.write(save + off, w, vals[s])
    loaded = {s: v.read(to + off, 8) for s, off, w in SLOTS[v.conv]}
    v.write(loaded['rsp'], 8, loaded['ret'])
    for s in ('r15', 'r14', 'r13', 'r12', 'r9', 'r8', 'rbp', 'rdi', 'rsi', 'rdx', 'rcx', 'rbx'):
        r[s] = loaded[s]
    r['rsp'] = loaded['rsp'] + 8
    r['rip'] = loaded['ret']
    r['rax'] = 0
    return [(save, vals)]

MODELS = {'boost-fcontext': boost_fcontext, 'libaco': libaco, 'minicoro': minicoro, 'libco': libco}


# -------------------------------------------------------------------- the vectors

BLOCK, CALLER, TARGET = 0x100000000000, 0x100000010000, 0x100000020000

def boost():
    c = 'boost-fcontext'
    out = []
    def base(name, desc, target_frame_off=0xf08, entry_off=0xfc8, caller_size=PAGE):
        v = Vec(c, name, desc)
        v.region('caller_stack', CALLER, caller_size)
        v.region('target_stack', TARGET)
        E = CALLER + entry_off
        v.qword(E, CALLER_RET)
        v.qword(E - 0x40 + 8, 0xeeeeeeeeeeeeee08)     # the guard slot: the switch leaves it alone
        return v, E, TARGET + target_frame_off
    def suspended(v, F, mxcsr=0x1f80, x87=0x37f):
        v.storage(F, mxcsr=mxcsr, x87cw=x87, guard=0xeeeeeeeeeeeeee08, rip=RESUME_AT, **RESUMED)

    v, E, F = base('boost-plain-switch', 'jump_fcontext(to, data) to a suspended context: the running side\'s frame is '
                   'built at entry rsp - 0x40 (control words, r12-r15, rbx, rbp; its rip slot is the return address '
                   'its call pushed; the guard slot is not written); the target\'s slots are loaded, rsp = to + 0x48 '
                   '(as after a ret), and on arrival rax = rdi = the suspended frame, rdx = rsi = data.')
    suspended(v, F)
    v.entry(E, [F, 0x5eed0000da7a0001])
    out.append(v)

    v, E, _ = base('boost-fresh-context', 'The first jump into a context laid out as make_fcontext lays it on a '
                   '0x1000-byte stack: F = top - 0x48, rbx slot = fn, rbp slot = finish, rip slot = the trampoline, '
                   'r12-r15 never written (zero), the creator\'s control words. Arrival: rsp = top (0 mod 16: the '
                   'trampoline\'s push makes it 8 mod 16 for fn), rip = the trampoline, rbx = fn, rbp = finish, '
                   'rdi = rax = the jumper\'s frame, rsi = rdx = data.')
    F = TARGET + 0x1000 - 0x48
    v.storage(F, mxcsr=0x1f80, x87cw=0x37f, rbx=ENTRY, rbp=EXIT, rip=0x1f0000000500)
    v.entry(E, [F, 0x0])
    out.append(v)

    v, E, F = base('boost-control-words', 'MXCSR and the x87 control word are part of the frame: the running side\'s '
                   '(FTZ, DAZ, all masks: 0x9fc0; 53-bit precision: 0x27f) are saved at frame+0x00 (4 bytes) and '
                   '+0x04 (2 bytes, bytes 0x06-0x07 untouched), the target\'s (round down: 0x3f80; round toward zero: '
                   '0xf7f) are loaded.')
    suspended(v, F, mxcsr=0x3f80, x87=0xf7f)
    v.entry(E, [F, 0x1], mxcsr=0x9fc0, fpcw=0x27f)
    out.append(v)

    v, E, F = base('boost-frame-across-page', 'The caller\'s rsp is 0x20 above a page boundary inside its stack '
                   'mapping: the frame (entry rsp - 0x40 .. entry rsp + 8) straddles the boundary; the target\'s frame '
                   'too. Data = all ones.', target_frame_off=0xfe8, entry_off=0x1028, caller_size=2 * PAGE)
    v.regions['target_stack']['size'] = 2 * PAGE
    v.regions['target_stack']['data'] = bytearray(2 * PAGE)
    suspended(v, F)
    v.entry(E, [F, M64])
    out.append(v)

    v, E, F = base('boost-ontop-fcontext', 'ontop_fcontext(to, data, fn): the same frame and the same loads as '
                   'jump_fcontext, then fn(transfer_t {from, data}) runs on the target\'s stack as if called from its resume '
                   'point (rsp = to + 0x40, [rsp] = to\'s rip slot); fn (ontop_fn: returns its argument) returns into the '
                   'target with rsp = to + 0x48 and its transfer_t in rax:rdx.')
    suspended(v, F)
    v.symbol = 'ontop_fcontext'
    v.asm = ['testvectors/boost-fcontext/ontop-fn.s']
    v.entry(E, [F, 0x5eed0000da7a0003, sym('ontop_fn')])
    out.append(v)

    v, E, F = base('boost-unaligned-caller', 'Nothing is aligned by the switch: the caller\'s rsp is 0 mod 16 (a '
                   'misaligned call site), so the frame is at entry rsp - 0x40, 0 mod 16; the target frame is 8 mod 16 '
                   'off its usual place, so the arrival rsp = to + 0x48 is 8 mod 16. Both exactly as given.',
                   target_frame_off=0xf00, entry_off=0xfc0)
    suspended(v, F)
    v.entry(E, [F, 0x5eed0000da7a0002])
    out.append(v)
    return out

def aco():
    c = 'libaco'
    out = []
    def base(name, desc):
        v = Vec(c, name, desc)
        v.region('block', BLOCK)
        v.region('caller_stack', CALLER)
        v.region('target_stack', TARGET)
        v.qword(CALLER + 0xfc8, CALLER_RET)
        v.qword(TARGET + 0xfc8, RESUME_AT)
        return v

    v = base('libaco-plain-switch', 'acosw(from, to) to a suspended coroutine: from gets r12-r15, retaddr = the '
             'caller\'s return address, rsp = entry rsp + 8 (as after a ret), rbx, rbp, the x87 CW and MXCSR; to\'s '
             'slots are loaded and the switch jumps to to->retaddr with rsp = to->rsp. No stack is written.')
    v.blank(BLOCK)
    v.storage(BLOCK + 0x80, retaddr=RESUME_AT, rsp=TARGET + 0xfd0, fpucw=0x37f, mxcsr=0x1f80, **RESUMED)
    v.entry(CALLER + 0xfc8, [BLOCK, BLOCK + 0x80])
    out.append(v)

    v = base('libaco-fresh-context', 'The first switch into a coroutine as aco_create lays it out on a 0x1000-byte '
             'share stack: retaddr = fp, rsp = align_retptr = ((top - 16) & ~15) - 8 holding the protector, the '
             'creator\'s control words in reg[8], every other slot 0. fp starts with rsp 8 mod 16 and zeroed '
             'callee-saved registers.')
    v.blank(BLOCK)
    sp = ((TARGET + 0x1000 - 16) & ~15) - 8
    v.qword(sp, EXIT)
    v.storage(BLOCK + 0x80, r12=0, r13=0, r14=0, r15=0, retaddr=ENTRY, rsp=sp, rbx=0, rbp=0, fpucw=0x37f, mxcsr=0x1f80)
    v.entry(CALLER + 0xfc8, [BLOCK, BLOCK + 0x80])
    out.append(v)

    v = base('libaco-control-words', 'The control words are switched: the running side\'s x87 CW (0x27f) is saved '
             'as 2 bytes at 0x40 (0x42-0x43 keep their old bytes) and its MXCSR (0x9fc0: FTZ, DAZ) at 0x44; the '
             'target\'s (0xf7f, 0x3f80) are loaded.')
    v.blank(BLOCK)
    v.storage(BLOCK + 0x80, retaddr=RESUME_AT, rsp=TARGET + 0xfd0, fpucw=0xf7f, mxcsr=0x3f80, **RESUMED)
    v.entry(CALLER + 0xfc8, [BLOCK, BLOCK + 0x80], mxcsr=0x9fc0, fpcw=0x27f)
    out.append(v)

    v = base('libaco-odd-placement', 'Structs at odd addresses (block+0x1c3, block+0x2e5), the caller\'s rsp odd: '
             'acosw neither aligns nor assumes alignment; saved rsp = entry rsp + 8 exactly.')
    v.regions['caller_stack']['data'][0xfc8:0xfd0] = bytes(8)
    del v.qwords[('caller_stack', 0xfc8)]
    v.qword(CALLER + 0xf83, CALLER_RET)
    v.blank(BLOCK + 0x1c3)
    v.storage(BLOCK + 0x2e5, retaddr=RESUME_AT, rsp=TARGET + 0xfd0, fpucw=0x37f, mxcsr=0x1f80, **RESUMED)
    v.entry(CALLER + 0xf83, [BLOCK + 0x1c3, BLOCK + 0x2e5])
    out.append(v)

    v = base('libaco-switch-to-self', 'acosw(x, x): everything is saved into x, then loaded back from it: a plain '
             'return to the caller with every register as it was and rsp = entry rsp + 8.')
    v.blank(BLOCK)
    v.until = '[rsp]'
    v.entry(CALLER + 0xfc8, [BLOCK, BLOCK])
    out.append(v)
    return out

def mco():
    c = 'minicoro'
    out = []
    sym('mco_resume')
    def base(name, desc):
        v = Vec(c, name, desc)
        v.region('block', BLOCK)
        v.region('caller_stack', CALLER)
        v.region('target_stack', TARGET)
        v.qword(CALLER + 0xfc8, CALLER_RET)
        v.qword(TARGET + 0xfc8, RESUME_AT)
        return v

    v = base('minicoro-plain-switch', '_mco_switch(from, to) to a coroutine suspended by _mco_switch: from gets '
             'rip = the routine\'s own final ret (mco_resume), rsp = entry rsp (pointing at the return address), rbp, '
             'rbx, r12-r15; the target is resumed on its ret, which pops its caller\'s return address: rsp = '
             'to->rsp + 8. The run goes through that ret (until = the popped address).')
    v.blank(BLOCK)
    v.storage(BLOCK + 0x80, rip=sym('mco_resume'), rsp=TARGET + 0xfc8, **RESUMED)
    v.until = RESUME_AT
    v.entry(CALLER + 0xfc8, [BLOCK, BLOCK + 0x80])
    out.append(v)

    v = base('minicoro-fresh-context', 'The first switch into a coroutine as _mco_makectx lays it out on a '
             '0x1000-byte stack: rsp = top - 136 holding the dummy return address 0xdeaddeaddeaddead, rip = '
             '_mco_wrap_main (here an address nothing maps: the run stops there), r12 = _mco_main, r13 = the '
             'coroutine, the rest 0. The wrapper starts with rsp 8 mod 16 and r12/r13 as laid out.')
    v.blank(BLOCK)
    sp = TARGET + 0x1000 - 136
    v.qword(sp, 0xdeaddeaddeaddead)
    v.storage(BLOCK + 0x80, rip=0x1f0000000500, rsp=sp, rbp=0, rbx=0, r12=ENTRY, r13=BLOCK + 0x800, r14=0, r15=0)
    v.entry(CALLER + 0xfc8, [BLOCK, BLOCK + 0x80])
    out.append(v)

    v = base('minicoro-control-words-not-switched', 'minicoro shares MXCSR and the x87 control word between the '
             'coroutines of a thread: the running side\'s (0x9fc0, 0x27f) are neither saved nor changed by the switch.')
    v.blank(BLOCK)
    v.storage(BLOCK + 0x80, rip=sym('mco_resume'), rsp=TARGET + 0xfc8, **RESUMED)
    v.until = RESUME_AT
    v.entry(CALLER + 0xfc8, [BLOCK, BLOCK + 0x80], mxcsr=0x9fc0, fpcw=0x27f)
    out.append(v)

    v = base('minicoro-stop-at-resume-point', 'Stopping where the target resumes, before its ret: rip = mco_resume, '
             'rsp = to->rsp exactly (the saved rsp points at the return address; nothing is added). Structs at odd '
             'addresses and an odd caller rsp: nothing is aligned.')
    v.regions['caller_stack']['data'][0xfc8:0xfd0] = bytes(8)
    del v.qwords[('caller_stack', 0xfc8)]
    v.qword(CALLER + 0xf83, CALLER_RET)
    v.blank(BLOCK + 0x1c3)
    v.storage(BLOCK + 0x2e5, rip=sym('mco_resume'), rsp=TARGET + 0xfc8, **RESUMED)
    v.until = 'stop-at-ret'
    v.entry(CALLER + 0xf83, [BLOCK + 0x1c3, BLOCK + 0x2e5])
    out.append(v)

    v = base('minicoro-switch-to-self', '_mco_switch(x, x): saved into x and loaded back from it; the jump lands on '
             'the routine\'s own ret, which returns to the caller: every register as it was, rsp = entry rsp + 8.')
    v.blank(BLOCK)
    v.until = '[rsp]'
    v.entry(CALLER + 0xfc8, [BLOCK, BLOCK])
    out.append(v)
    return out

def co():
    c = 'libco'
    out = []
    def base(name, desc):
        v = Vec(c, name, desc)
        v.region('block', BLOCK)
        v.region('caller_stack', CALLER)
        v.region('target_stack', TARGET)
        v.qword(CALLER + 0xfc8, CALLER_RET)
        v.qword(TARGET + 0xfc8, RESUME_AT)
        return v
    pending = dict(RESUMED, rdi=0xa7a7a7a7a7a7a7a7, rsi=0xa6a6a6a6a6a6a6a6, rdx=0xa8a8a8a8a8a8a8a8,
                   rcx=0xa9a9a9a9a9a9a9a9, r8=0xaaaaaaaaaaaaaaaa, r9=0xabababababababab)

    v = base('libco-plain-switch', 'coctx_swap(cur, pending) to a suspended coroutine: cur gets all 14 slots (the '
             'argument registers too, rsp = entry rsp, ret = [entry rsp]); pending\'s are loaded, its ret is pushed '
             'back at [pending->rsp] (which already holds it) and returned to: rsp = pending->rsp + 8, rax = 0, '
             'rdi rsi rdx rcx r8 r9 restored from the slots.')
    v.blank(BLOCK)
    v.storage(BLOCK + 0x80, ret=RESUME_AT, rsp=TARGET + 0xfc8, **pending)
    v.entry(CALLER + 0xfc8, [BLOCK, BLOCK + 0x80])
    out.append(v)

    v = base('libco-fresh-context', 'The first switch into a context as coctx_make lays it out (the common form): '
             'sp = (ss_sp + ss_size - 8) & -16 = top - 16, *sp = pfn, rsp slot = sp, ret = pfn, rdi = s, rsi = s1, '
             'the other slots 0. pfn(s, s1) starts with rsp = sp + 8 (8 mod 16).')
    v.blank(BLOCK)
    sp = (TARGET + 0x1000 - 8) & ~15
    v.qword(sp, ENTRY)
    v.storage(BLOCK + 0x80, r15=0, r14=0, r13=0, r12=0, r9=0, r8=0, rbp=0, rdi=BLOCK + 0x800, rsi=0x5eed0000da7a0001,
              ret=ENTRY, rdx=0, rcx=0, rbx=0, rsp=sp)
    v.entry(CALLER + 0xfc8, [BLOCK, BLOCK + 0x80])
    out.append(v)

    v = base('libco-argument-registers', 'The argument registers are state in libco: the running side\'s rdx, rcx, '
             'r8, r9 (0xd2…, 0xd1…, 0xd8…, 0xd9…) are saved with rdi and rsi (the two pointers), and the '
             'target\'s all-zero and all-ones values come back in them; rax is 0 on arrival whatever it was.')
    v.blank(BLOCK)
    v.storage(BLOCK + 0x80, ret=RESUME_AT, rsp=TARGET + 0xfc8, **dict(RESUMED, rdi=0, rsi=M64, rdx=0, rcx=M64, r8=0, r9=M64))
    v.entry(CALLER + 0xfc8, [BLOCK, BLOCK + 0x80], rdx=0xd2d2d2d2d2d2d2d2, rcx=0xd1d1d1d1d1d1d1d1,
            r8=0xd8d8d8d8d8d8d8d8, r9=0xd9d9d9d9d9d9d9d9, rax=M64)
    out.append(v)

    v = base('libco-control-words-not-switched', 'libco does not switch MXCSR or the x87 control word: the running '
             'side\'s (0x9fc0, 0x27f) are neither saved nor changed. Structs at odd addresses; the target\'s stack '
             'pointer is 8 off its usual alignment: rsp = pending->rsp + 8 exactly.')
    v.blank(BLOCK + 0x1c3)
    v.qword(TARGET + 0xfc0, RESUME_AT)
    v.storage(BLOCK + 0x2e5, ret=RESUME_AT, rsp=TARGET + 0xfc0, **pending)
    v.entry(CALLER + 0xfc8, [BLOCK + 0x1c3, BLOCK + 0x2e5], mxcsr=0x9fc0, fpcw=0x27f)
    out.append(v)

    v = base('libco-switch-to-self', 'coctx_swap(x, x): saved into x, loaded back (rsi last: it is the pointer), the '
             'return address pushed back where it was: a plain return with every register as it was, except '
             'rax = 0.')
    v.blank(BLOCK)
    v.until = '[rsp]'
    v.entry(CALLER + 0xfc8, [BLOCK, BLOCK])
    out.append(v)
    return out


def main():
    for group in (boost(), aco(), mco(), co()):
        for v in group:
            folder = os.path.join(OUT, v.conv)
            os.makedirs(folder, exist_ok=True)
            j = v.json()
            if j['call'].get('until') == 'stop-at-ret':
                del j['call']['until']      # the default: [restore.resume], the resume slot
            with open(os.path.join(folder, v.name + '.json'), 'w') as f:
                f.write(dump(j) + '\n')
            print(os.path.join(folder, v.name + '.json'))

main()
