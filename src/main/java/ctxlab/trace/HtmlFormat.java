package ctxlab.trace;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The trace as one self-contained HTML page: the template, its CSS and script (resources next
 * to this class) and the trace's JSON tree are all inlined, so the page needs no network and no
 * other file. A Content-Security-Policy forbids every fetch to keep it that way.
 */
public final class HtmlFormat {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HtmlFormat() {}

    public static String page(Trace t) {
        String data;
        try {
            data = JSON.writeValueAsString(JsonFormat.tree(t));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return fill(t.title(), data, resource("trace.js"));
    }

    /**
     * The template with a title, the JSON data and a script inlined (the AArch64 page,
     * {@link Arm64Html}, brings its own script to the same template and stylesheet).
     */
    static String fill(String title, String data, String script) {
        // Inside <script>, "</" could end the element early: \/ means the same in JSON.
        data = data.replace("</", "<\\/").replace("<!--", "<\\!--");
        String page = resource("trace.html");
        // Replaced in this order so that nothing inserted is scanned for the next marker.
        int css = page.indexOf("@CSS@"), js = page.indexOf("@JS@"), dat = page.indexOf("@DATA@"), at = page.indexOf("@TITLE@");
        if (css < 0 || js < 0 || dat < 0 || at < 0) throw new IllegalStateException("trace.html template is missing a marker");
        return page.substring(0, at) + escape(title) + page.substring(at + 7, css)
                + resource("trace.css") + page.substring(css + 5, dat)
                + data + page.substring(dat + 6, js)
                + script.replace("</script", "<\\/script") + page.substring(js + 4);
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static String resource(String name) {
        try (InputStream in = HtmlFormat.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("resource ctxlab/trace/" + name + " is missing from the build");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
