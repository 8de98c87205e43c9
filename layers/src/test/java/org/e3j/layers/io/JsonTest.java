package org.e3j.layers.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void parsesValues() {
        Object v = Json.parse(" {\"a\": [1, -2.5e1, true, false, null, \"x\\u00e9\\n\"], \"b\": {}} ");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of(1L, -25.0, true, false), ((List<?>) m.get("a")).subList(0, 4));
        assertEquals("x\u00e9\n", ((List<?>) m.get("a")).get(5));
        assertEquals(Map.of(), m.get("b"));
        assertEquals(0.65205909851265342, (Double) Json.parse("0.65205909851265342"), 0.0);
    }

    @Test
    void refusesNonJson() {
        for (String bad : new String[] {"", "{", "[1,]", "{\"a\":1,}", "NaN", "01", "1.", "'a'", "{a:1}",
                "[1] x", "\"\u0001\"", "1e", "[".repeat(100) + "]".repeat(100),
                // digits of other scripts: refused as JSON (a NumberFormatException escaped for the minus case)
                "-\u0663", "\u0663", "{\"t\": -\uff13}", "[-\u0661]", "1e\u0663", "1.\u0663"}) {
            assertThrows(ModelFormatException.class, () -> Json.parse(bad), bad);
        }
    }
}
