package org.e3j.engine.irreps;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Anchors from e3nn-jax's irreps_test.py and the Irreps docstrings. */
class IrrepsTest {

    private static Irreps ir(String s) {
        return Irreps.parse(s);
    }

    @Test
    void irrepParsing() {
        assertEquals(new Irrep(1, -1), Irrep.parse("1o"));
        assertEquals(new Irrep(2, 1), Irrep.parse(" 2e "));
        assertEquals(new Irrep(1, -1), Irrep.parse("1y"));
        assertEquals(new Irrep(2, 1), Irrep.parse("2y"));
        assertEquals("3e", new Irrep(3, 1).toString());
        assertEquals(7, Irrep.parse("3o").dim());
        assertThrows(IrrepsException.class, () -> Irrep.parse("1x"));
        assertThrows(IrrepsException.class, () -> Irrep.parse("-1e"));
        assertThrows(IrrepsException.class, () -> Irrep.parse("e"));
    }

    @Test
    void irrepOrdering() {
        // test_ordering / Irrep.iterator: 0e < 0o < 1o < 1e < 2e < 2o < 3o < 3e
        String[] order = {"0e", "0o", "1o", "1e", "2e", "2o", "3o", "3e", "4e", "4o"};
        for (int i = 0; i + 1 < order.length; i++) {
            assertTrue(Irrep.parse(order[i]).compareTo(Irrep.parse(order[i + 1])) < 0, order[i]);
        }
    }

    @Test
    void irrepProduct() {
        // test_arithmetic: 1o x 2e = [1o, 2o, 3o]
        assertEquals(List.of(Irrep.parse("1o"), Irrep.parse("2o"), Irrep.parse("3o")),
                Irrep.parse("1o").times(Irrep.parse("2e")));
    }

    @Test
    void parsingAndRepr() {
        assertEquals("8x0e+8x1o", ir("8x0e + 8x1o").toString());
        assertEquals("1x1o", ir("1o").toString());
        assertEquals("1x0e+1x1e", ir("0e+1e").toString());
        assertEquals("32x2o", ir("32 x 2o").toString());
        assertEquals("100x0e+50x1e+0x2e", ir("100x0e + 50x1e + 0x2e").toString());
        assertEquals("Irreps()", ir("").toString());
        assertEquals("Irreps()", ir("   ").toString());
        assertEquals(Irreps.EMPTY, ir(""));
        assertEquals(ir("1x1o"), ir("1y"));
        assertTrue(ir("2x0e+1o").equalsString("2x0e + 1x1o"));
        assertFalse(ir("2x0e+1o").equalsString("garbage"));
        assertEquals(ir("8x0e+8x1o").hashCode(), ir("8x0e + 8x1o").hashCode());
    }

    @Test
    void malformedStringsNameTheTerm() {
        for (String bad : new String[] {"8x0e+", "8x0q", "ax1e", "1e++2e", "8x", "-1x0e", "2x3x1e"}) {
            IrrepsException e = assertThrows(IrrepsException.class, () -> Irreps.parse(bad), bad);
            assertTrue(e.getMessage().contains("\"" + bad + "\""), e.getMessage());
            assertTrue(e.getMessage().contains("bad term"), e.getMessage());
        }
        IrrepsException e = assertThrows(IrrepsException.class, () -> Irreps.parse("8x0e + 3x9q"));
        assertTrue(e.getMessage().contains("\" 3x9q\""), e.getMessage());
    }

    @Test
    void derivedQuantities() {
        Irreps x = ir("100x0e + 50x1e + 0x2e");
        assertEquals(250, x.dim());
        assertEquals(150, x.numIrreps());
        assertEquals(1, x.lmax());
        assertEquals(9, ir("3x0e + 2x1e").dim());
        assertArrayEquals(new int[] {0, 0, 0, 1, 1}, ir("3x0e + 2x1e").ls());
        assertArrayEquals(new int[] {0, 2, 5}, ir("2x0e + 1e").offsets());
        assertEquals(3, ir("2x0e + 3x1o").count(Irrep.parse("1o")));
        assertTrue(ir("0e + 2e").contains(Irrep.parse("2e")));
        assertFalse(ir("2x0e + 3x1o").isScalar());
        assertTrue(ir("2x0e + 2x0e").isScalar());
        assertFalse(ir("0o").isScalar());
        assertEquals(1, ir("3x0e + 2x1e").mulGcd());
        assertThrows(IrrepsException.class, () -> Irreps.EMPTY.lmax());
    }

    @Test
    void arithmetic() {
        assertEquals(ir("0e+1e+0e"), ir("0e+1e").concat(ir("0e"))); // test_cat: no merge
        assertEquals(ir("2x0e+2x1e"), ir("0e + 1e").times(2));
        assertEquals(ir("6x0e+7x1e"), ir("12x0e + 14x1e").floorDiv(2));
        assertEquals(ir("1x0e+1x1e+1x0e+1x1e"), ir("0e + 1e").repeat(2));
        assertEquals(ir("1x0e+1x1e"), ir("2x0e + 1x1e").setMul(1));
    }

    @Test
    void simplifyUnify() {
        assertEquals("1x0e+1x1e", ir("0e + 1e").unify().toString());
        assertEquals("1x0e+2x1e", ir("0e + 1e + 1e").unify().toString());
        assertEquals("1x0e+0x1e+1x0e", ir("0e + 0x1e + 0e").unify().toString());
        assertEquals("4x0e+2x3e", ir("4x0e + 0x1o + 2x3e").removeZeroMultiplicities().toString());
        assertEquals("2x1e+1x0e", ir("1e + 1e + 0e").simplify().toString());
        assertEquals("2x1e+1x0e+1x1e", ir("1e + 1e + 0e + 1e").simplify().toString());
        assertEquals("2x1e", ir("1e + 0x0e + 1e").simplify().simplify().toString());
    }

    @Test
    void sortAndRegroup() {
        assertEquals("1x0e+1x1e+1x1e", ir("1e + 0e + 1e").sort().irreps().toString());
        Irreps.Sorted s = ir("2o + 1e + 0e + 1e").sort();
        assertArrayEquals(new int[] {3, 1, 0, 2}, s.p());
        assertArrayEquals(new int[] {2, 1, 3, 0}, s.inv());
        assertEquals("1x0e+2x1e", ir("1e + 0e + 1e + 0x2e").regroup().toString());
        // stability: equal irreps keep input order (distinguished by mul)
        assertEquals("3x0e+1x0e+2x0e+5x1o", ir("3x0e + 5x1o + 1x0e + 2x0e").sort().irreps().toString());
    }

    @Test
    void filter() {
        List<Irrep> keep = List.of(Irrep.parse("0e"), Irrep.parse("1e"));
        assertEquals("1x1e+1x0e", ir("1e + 2e + 0e").filterKeep(keep).toString());
        assertEquals("1x1e+1x2e", ir("1e + 2e + 0e").filterKeep(ir("2e + 2x1e")).toString());
        assertEquals("1x0e", ir("1e + 2e + 0e").filterDrop(ir("2e + 2x1e")).toString());
        assertEquals("1x1e+1x0e", ir("1e + 2e + 0e").filterLmax(1).toString());
    }

    @Test
    void slicing() {
        Irreps big = Irreps.parse("2x1e + 2e");
        assertEquals("1x2e", big.sliceByMul(2, Integer.MAX_VALUE).toString());
        assertEquals("1x2e+1x0e", ir("1e + 2e + 3x0e").sliceByMul(1, 3).toString());
        assertEquals("1x2e+3x0e", ir("1e + 2e + 3x0e").sliceByMul(1, Integer.MAX_VALUE).toString());
        assertEquals("1x0e", ir("1e + 2e + 3x0e").sliceByMul(-1, Integer.MAX_VALUE).toString());
        assertEquals("1x1e", ir("1e + 2e + 3x0e").sliceByDim(0, 3).toString());
        assertEquals("1x2e", ir("1e + 2e + 3x0e").sliceByDim(3, 8).toString());
        assertThrows(IrrepsException.class, () -> ir("1e + 2e + 3x0e").sliceByDim(1, 4));
        assertEquals("2x1e", ir("2x1e + 2e + 3x0e").sliceByChunk(0, 1).toString());
        assertEquals("1x2e+3x0e", ir("1e + 2e + 3x0e").sliceByChunk(1, Integer.MAX_VALUE).toString());
    }

    @Test
    void s2Irreps() {
        assertEquals("1x0e+1x1o+1x2e+1x3o", Irreps.s2Irreps(3).toString());
        assertEquals("1x0e+1x1e+1x2e+1x3e+1x4e", Irreps.sphericalHarmonics(4, 1).toString());
    }

    @Test
    void arrayDocstrings() {
        // IrrepsArray.sort docstring: "0e + 1o + 2x0e" on arange(6) -> 1x0e+2x0e+1x1o [0 4 5 1 2 3]
        IrrepsArray a = IrrepsArray.of("0e + 1o + 2x0e", 0, 1, 2, 3, 4, 5);
        IrrepsArray s = a.sort();
        assertEquals("1x0e+2x0e+1x1o", s.irreps().toString());
        assertArrayEquals(new double[] {0, 4, 5, 1, 2, 3}, s.data());
        IrrepsArray g = a.regroup();
        assertEquals("3x0e+1x1o", g.irreps().toString());
        assertArrayEquals(new double[] {0, 4, 5, 1, 2, 3}, g.data());
    }

    @Test
    void arrayChunksAndSlices() {
        IrrepsArray a = new IrrepsArray(ir("2x0e + 1o"), 2, new double[] {0, 1, 2, 3, 4, 10, 11, 12, 13, 14});
        assertArrayEquals(new double[] {2, 3, 4, 12, 13, 14}, a.chunk(1));
        assertEquals(13, a.get(1, 1, 0, 1));
        IrrepsArray m = a.sliceByMul(1, 3);
        assertEquals("1x0e+1x1o", m.irreps().toString());
        assertArrayEquals(new double[] {1, 2, 3, 4, 11, 12, 13, 14}, m.data());
        assertArrayEquals(new double[] {2, 3, 4, 12, 13, 14}, a.sliceByIrreps("1o").data());
        assertThrows(IrrepsException.class, () -> IrrepsArray.of("0e + 0e", 1, 2).sliceByIrreps("0e"));
        assertArrayEquals(new double[] {2, 3, 4, 12, 13, 14},
                a.filterDrop(List.of(Irrep.parse("0e"))).data());
        assertArrayEquals(new double[] {10, 11, 12, 13, 14, 0, 1, 2, 3, 4},
                a.gatherRows(new int[] {1, 0}).data());
    }

    @Test
    void concatenateAnchor() {
        // basic_test.py::test_concatenate2: 0e+1e, 0e, 0e+1e -> 0e+1e+0e+0e+1e, no regroup
        List<IrrepsArray> parts = new ArrayList<>();
        parts.add(IrrepsArray.of("0e + 1e", 1, 2, 3, 4));
        parts.add(IrrepsArray.of("0e", 5));
        parts.add(IrrepsArray.of("0e + 1e", 6, 7, 8, 9));
        IrrepsArray c = IrrepsArray.concatenate(parts);
        assertEquals(ir("0e + 1e + 0e + 0e + 1e"), c.irreps());
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, c.data());
        IrrepsException e = assertThrows(IrrepsException.class,
                () -> IrrepsArray.concatenate(IrrepsArray.zeros(ir("0e"), 2), IrrepsArray.zeros(ir("1o"), 3)));
        assertTrue(e.getMessage().contains("[2, 1]") && e.getMessage().contains("[3, 3]"), e.getMessage());
    }

    @Test
    void shapeMismatchNamesShapes() {
        IrrepsException e = assertThrows(IrrepsException.class, () -> new IrrepsArray(ir("8x0e"), 2, new double[15]));
        assertTrue(e.getMessage().contains("15") && e.getMessage().contains("[2, 8]"), e.getMessage());
    }
}
