// Boost.Context reference for `ctxlab bench`: the same ping-pong as ctxlab's nativeSwitchNs,
// with Boost's own switch (jump_fcontext, Debian's libboost-context-dev).
// scripts/bench-boost builds this with g++ at bench time; ctxlab bench runs it once per round,
// interleaved with its own measurements.
//
//   usage: boost-pingpong ROUND_TRIPS      prints nanoseconds per switch (2 switches per round trip)
#include <boost/context/detail/fcontext.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace ctx = boost::context::detail;

// The strand: jumps straight back to whoever jumped to it, forever.
static void strand(ctx::transfer_t t) {
    for (;;) t = ctx::jump_fcontext(t.fctx, nullptr);
}

int main(int argc, char** argv) {
    long rounds = argc > 1 ? std::atol(argv[1]) : 5000000;
    if (rounds < 1) rounds = 1;
    const std::size_t size = 64 * 1024;
    char* stack = static_cast<char*>(std::malloc(size));
    ctx::fcontext_t c = ctx::make_fcontext(stack + size, size, strand);
    for (int i = 0; i < 10000; i++) c = ctx::jump_fcontext(c, nullptr).fctx;   // warm-up
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < rounds; i++) c = ctx::jump_fcontext(c, nullptr).fctx;
    auto t1 = std::chrono::steady_clock::now();
    double ns = std::chrono::duration<double, std::nano>(t1 - t0).count() / (2.0 * rounds);
    std::printf("%.4f\n", ns);
    return 0;
}
