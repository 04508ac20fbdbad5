package ctxlab.host;

import java.util.List;

final class Bench {
    private Bench() {}

    static int main(Events events, HostCode code, List<String> args) {
        throw new IllegalArgumentException("bench: not yet");
    }
}
