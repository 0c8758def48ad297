import com.caucho.hessian.io.Hessian2Input;
import com.caucho.hessian.io.Hessian2Output;
import demo.Box;
import demo.Color;
import demo.Pair;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Hessian 2 interop peer backed by Caucho Hessian (Debian libhessian-java).
 *
 * <pre>
 *   encode OUT   write every vector of the table as "name TAB hex" lines
 *   verify IN    decode every line of IN and compare it with the table
 * </pre>
 *
 * A vector is one or more top-level values written through one Hessian2Output, so the
 * reference, class-definition and type tables are shared between them. See ../VECTORS.md.
 */
public final class HessianPeer {

    /** One table entry: what is written, and what decoding those bytes must give back. */
    private record Vector(String name, List<Object> written, List<Object> expected) {}

    /** Vectors by name, in the order "encode" writes them; filled by the add* methods below. */
    private static final Map<String, Vector> TABLE = new LinkedHashMap<>();

    static {
        addNumbers();
        addScalars();
        addStrings();
        addBinaries();
        addDates();
        addMaps();
        addLists();
        addObjectsAndRefs();
        addJavaShapes();
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2 || !(args[0].equals("encode") || args[0].equals("verify"))) {
            System.err.println("usage: HessianPeer encode|verify FILE");
            System.exit(2);
        }
        Path file = Path.of(args[1]);
        if (args[0].equals("encode")) {
            encodeAll(file);
        } else {
            System.exit(verifyAll(file) ? 0 : 1);
        }
    }

    // ---------------------------------------------------------------- encode / verify

    private static void encodeAll(Path file) throws IOException {
        StringBuilder out = new StringBuilder();
        for (Vector v : TABLE.values()) {
            out.append(v.name()).append('\t').append(toHex(encode(v.written()))).append('\n');
        }
        Files.writeString(file, out.toString(), StandardCharsets.UTF_8);
    }

    private static byte[] encode(List<Object> values) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Hessian2Output out = new Hessian2Output(bytes);
        for (Object value : values) {
            out.writeObject(value);
        }
        out.flush();
        return bytes.toByteArray();
    }

    private static boolean verifyAll(Path file) throws IOException {
        boolean allOk = true;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isEmpty()) {
                continue;
            }
            int tab = line.indexOf('\t');
            String name = tab < 0 ? line : line.substring(0, tab);
            Vector vector = TABLE.get(name);
            if (tab < 0) {
                System.out.println("FAIL " + name + ": malformed line (no tab)");
                allOk = false;
            } else if (vector == null) {
                System.out.println("UNKNOWN " + name);
                allOk = false;
            } else {
                String problem = check(vector, line.substring(tab + 1).trim());
                System.out.println(problem == null ? "OK " + name : "FAIL " + name + ": " + problem);
                allOk &= problem == null;
            }
        }
        return allOk;
    }

    /** Returns null when the hex decodes to the vector's expected values, else the reason. */
    private static String check(Vector vector, String hex) {
        try {
            List<Object> actual = decodeAll(fromHex(hex));
            if (actual.size() != vector.expected().size()) {
                return "expected " + vector.expected().size() + " top-level values, decoded " + actual.size();
            }
            // One comparer for all values: refs are shared across top-level values.
            Comparer comparer = new Comparer();
            for (int i = 0; i < actual.size(); i++) {
                comparer.compare("value " + i, vector.expected().get(i), actual.get(i));
            }
            return null;
        } catch (Mismatch e) {
            return e.getMessage();
        } catch (Exception | StackOverflowError e) {
            return "decoding threw " + e;
        }
    }

    private static List<Object> decodeAll(byte[] data) throws IOException {
        Hessian2Input in = new Hessian2Input(new ByteArrayInputStream(data));
        List<Object> values = new ArrayList<>();
        // isEnd() is also true at a stray 'Z'; read() then tells the two apart.
        while (!in.isEnd()) {
            values.add(in.readObject());
        }
        if (in.read() != -1) {
            throw new IOException("trailing bytes after " + values.size() + " values");
        }
        return values;
    }

    // ---------------------------------------------------------------- deep comparison

    private static final class Mismatch extends RuntimeException {
        Mismatch(String path, String what) {
            super((path.isEmpty() ? "" : path + ": ") + what);
        }
    }

    /**
     * Compares an expected value graph with a decoded one. Objects that Hessian shares by
     * reference are paired up on first sight, so a repeated object must decode to the same
     * instance (and a distinct one to a distinct instance); this also stops cycles.
     */
    private static final class Comparer {
        private final IdentityHashMap<Object, Object> expectedToActual = new IdentityHashMap<>();
        private final IdentityHashMap<Object, Object> actualToExpected = new IdentityHashMap<>();

        void compare(String path, Object exp, Object act) {
            if (exp == null || act == null) {
                if (exp != act) {
                    throw new Mismatch(path, "expected " + describe(exp) + ", got " + describe(act));
                }
                return;
            }
            if (exp.getClass() != act.getClass()) {
                throw new Mismatch(path, "expected " + describe(exp) + ", got " + describe(act));
            }
            if (isShareable(exp) && !firstVisit(path, exp, act)) {
                return;
            }
            if (exp instanceof byte[] e) {
                if (!Arrays.equals(e, (byte[]) act)) {
                    throw new Mismatch(path, "byte[" + e.length + "] differs from decoded byte["
                            + ((byte[]) act).length + "]");
                }
            } else if (exp.getClass().isArray()) {
                compareArrays(path, exp, act);
            } else if (exp instanceof Map<?, ?> e) {
                compareMaps(path, e, (Map<?, ?>) act);
            } else if (exp instanceof Collection<?> e) {
                compareSequences(path, e, (Collection<?>) act);
            } else if (exp instanceof Throwable e) {
                compareThrowables(path, e, (Throwable) act);
            } else if (exp instanceof BigDecimal e) {
                if (e.compareTo((BigDecimal) act) != 0) {
                    throw new Mismatch(path, "expected " + e + ", got " + act);
                }
            } else if (exp instanceof Pair || exp instanceof Box) {
                compareFields(path, exp, act);
            } else if (!exp.equals(act)) {
                // Integer, Long, Double (NaN equals NaN, -0.0 differs from 0.0), String,
                // Boolean, BigInteger, Date/Timestamp/java.sql.Date, enums.
                throw new Mismatch(path, "expected " + describe(exp) + ", got " + describe(act));
            }
        }

        /** Values Hessian never writes as refs: numbers, booleans, strings, binary, java.util.Date. */
        private static boolean isShareable(Object value) {
            return !(value instanceof Integer || value instanceof Long || value instanceof Double
                    || value instanceof Boolean || value instanceof String || value instanceof byte[]
                    || value.getClass() == Date.class);
        }

        private boolean firstVisit(String path, Object exp, Object act) {
            Object pairedActual = expectedToActual.get(exp);
            if (pairedActual != null) {
                if (pairedActual != act) {
                    throw new Mismatch(path, "expected the same instance as an earlier "
                            + exp.getClass().getSimpleName() + " (a back-reference), got a copy");
                }
                return false;
            }
            if (actualToExpected.containsKey(act)) {
                throw new Mismatch(path, "decoded a shared " + act.getClass().getSimpleName()
                        + " where a distinct object was expected");
            }
            expectedToActual.put(exp, act);
            actualToExpected.put(act, exp);
            return true;
        }

        private void compareArrays(String path, Object exp, Object act) {
            int length = Array.getLength(exp);
            if (length != Array.getLength(act)) {
                throw new Mismatch(path, "expected length " + length + ", got " + Array.getLength(act));
            }
            for (int i = 0; i < length; i++) {
                compare(path + "[" + i + "]", Array.get(exp, i), Array.get(act, i));
            }
        }

        private void compareSequences(String path, Collection<?> exp, Collection<?> act) {
            if (exp.size() != act.size()) {
                throw new Mismatch(path, "expected size " + exp.size() + ", got " + act.size());
            }
            Iterator<?> actIt = act.iterator();
            int i = 0;
            for (Object e : exp) {
                compare(path + "[" + i++ + "]", e, actIt.next());
            }
        }

        private void compareMaps(String path, Map<?, ?> exp, Map<?, ?> act) {
            if (exp.size() != act.size()) {
                throw new Mismatch(path, "expected size " + exp.size() + ", got " + act.size());
            }
            if (exp.getClass() == HashMap.class) {
                // Unordered: keys in the table are strings and integers, so lookup is exact.
                for (Map.Entry<?, ?> e : exp.entrySet()) {
                    if (!act.containsKey(e.getKey())) {
                        throw new Mismatch(path, "missing key " + describe(e.getKey()));
                    }
                    compare(path + "{" + e.getKey() + "}", e.getValue(), act.get(e.getKey()));
                }
            } else {
                compareSequences(path + ".keys", exp.keySet(), act.keySet());
                compareSequences(path + ".values", exp.values(), act.values());
            }
        }

        private void compareThrowables(String path, Throwable exp, Throwable act) {
            if (!Objects.equals(exp.getMessage(), act.getMessage())) {
                throw new Mismatch(path, "expected message " + describe(exp.getMessage())
                        + ", got " + describe(act.getMessage()));
            }
            // getCause() is null when the wire carried the self-reference meaning "no cause".
            compare(path + ".cause", exp.getCause(), act.getCause());
            compare(path + ".stackTrace", exp.getStackTrace(), act.getStackTrace());
            compare(path + ".suppressed", exp.getSuppressed(), act.getSuppressed());
        }

        private void compareFields(String path, Object exp, Object act) {
            for (Field field : exp.getClass().getDeclaredFields()) {
                if (Modifier.isStatic(field.getModifiers())) {
                    continue;
                }
                try {
                    compare(path + "." + field.getName(), field.get(exp), field.get(act));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("demo fields must be public", e);
                }
            }
        }

        private static String describe(Object value) {
            if (value == null) {
                return "null";
            }
            String text = value instanceof byte[] b ? "byte[" + b.length + "]" : String.valueOf(value);
            if (text.length() > 60) {
                text = text.substring(0, 60) + "...(" + text.length() + " chars)";
            }
            return value.getClass().getName() + " " + text;
        }
    }

    // ---------------------------------------------------------------- hex

    private static String toHex(byte[] bytes) {
        StringBuilder hex = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            hex.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return hex.toString();
    }

    private static byte[] fromHex(String hex) {
        if (hex.length() % 2 != 0) {
            throw new IllegalArgumentException("odd number of hex digits");
        }
        byte[] bytes = new byte[hex.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            int hi = Character.digit(hex.charAt(2 * i), 16);
            int lo = Character.digit(hex.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0) {
                throw new IllegalArgumentException("bad hex digit near offset " + 2 * i);
            }
            bytes[i] = (byte) ((hi << 4) | lo);
        }
        return bytes;
    }

    // ---------------------------------------------------------------- the vector table

    /** A vector whose values decode back to themselves. */
    private static void add(String name, Object... values) {
        addDecodingAs(name, Arrays.asList(values), Arrays.asList(values));
    }

    /** A vector whose single value legitimately decodes to something else. */
    private static void addDecodingAs(String name, Object written, Object expected) {
        addDecodingAs(name, List.of(written), List.of(expected));
    }

    private static void addDecodingAs(String name, List<Object> written, List<Object> expected) {
        if (TABLE.put(name, new Vector(name, written, expected)) != null) {
            throw new IllegalStateException("duplicate vector " + name);
        }
    }

    private static void addNumbers() {
        int[] ints = {0, -16, 47, 48, -17, -2048, 2047, -2049, 2048, -262144, 262143, -262145, 262144};
        for (int i : ints) {
            add("int_" + numberName(i), i);
        }
        add("int_max", Integer.MAX_VALUE);
        add("int_min", Integer.MIN_VALUE);

        long[] longs = {0, -8, 15, -9, 16, -2048, 2047, -2049, 2048, -262144, 262143, -262145, 262144};
        for (long l : longs) {
            add("long_" + numberName(l), l);
        }
        add("long_int_max", (long) Integer.MAX_VALUE);
        add("long_int_min", (long) Integer.MIN_VALUE);
        add("long_2p31", 2147483648L);
        add("long_2p40", 1L << 40);
        add("long_min", Long.MIN_VALUE);
        add("long_max", Long.MAX_VALUE);

        add("double_0", 0.0);
        add("double_1", 1.0);
        add("double_1_5", 1.5);
        addDecodingAs("double_neg0", -0.0, 0.0); // the compact 0x5b form has no sign
        double[] wholeDoubles = {2, 127, -128, 128, -129, 32767, -32768, 32768};
        for (double d : wholeDoubles) {
            add("double_" + numberName((long) d), d);
        }
        add("double_12_25", 12.25);
        add("double_0_1", 0.1);
        add("double_0_003", 0.003);
        add("double_12_345", 12.345);
        add("double_m99_99", -99.99);
        add("double_99_99", 99.99);
        add("double_1e300", 1e300);
        add("double_1em300", 1e-300);
        add("double_max", Double.MAX_VALUE);
        add("double_min_value", Double.MIN_VALUE);
        add("double_inf", Double.POSITIVE_INFINITY);
        add("double_ninf", Double.NEGATIVE_INFINITY);
        add("double_nan", Double.NaN);
        add("double_2p31", 2147483648.0);
        add("double_m0_001", -0.001);
    }

    /** 47 -> "47", -2048 -> "m2048". */
    private static String numberName(long n) {
        return n < 0 ? "m" + -n : Long.toString(n);
    }

    private static void addScalars() {
        add("null", (Object) null);
        add("true", true);
        add("false", false);
        addDecodingAs("char_x", 'x', "x"); // Character travels as a 1-char string
    }

    private static void addStrings() {
        String grinning = "\uD83D\uDE00"; // U+1F600, a surrogate pair
        add("str_empty", "");
        add("str_hello", "hello");
        add("str_a31", "a".repeat(31));
        add("str_a32", "a".repeat(32));
        add("str_a1023", "a".repeat(1023));
        add("str_a1024", "a".repeat(1024));
        add("str_40000", alphabet(40000));
        add("str_32768", alphabet(32768));
        add("str_65536x", "x".repeat(65536));
        add("str_pair_boundary", "a".repeat(32767) + grinning + "b");
        add("str_utf8", "a\u00e9\u4e2d");
        add("str_emoji", grinning);
        add("str_a_emoji_b", "a" + grinning + "b");
        add("str_mixed_long", ("a\u00e9\u4e2d" + grinning).repeat(1000));
    }

    /** 'a', 'b', ... 'z', 'a', ... of the given length. */
    private static String alphabet(int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append((char) ('a' + i % 26));
        }
        return s.toString();
    }

    private static void addBinaries() {
        add("bin_empty", (Object) new byte[0]);
        add("bin_123", (Object) new byte[] {1, 2, 3});
        for (int n : new int[] {15, 16, 1023, 1024, 8189, 8190, 40000}) {
            add("bin_" + n, (Object) patternBytes(n));
        }
    }

    private static byte[] patternBytes(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i % 251);
        }
        return bytes;
    }

    private static void addDates() {
        add("date_ms", new Date(1700000000000L));
        add("date_minute", new Date(1699999980000L));
        add("date_epoch", new Date(0));
        add("date_neg", new Date(-1));
        add("date_neg_minute", new Date(-60000));
    }

    private static void addMaps() {
        add("map_a1", hashMap("a", 1));
        add("map_int_key", hashMap(1, "x"));
        add("map_empty", new HashMap<>());
        add("map_multi", hashMap("a", 1, "b", 2, "c", 3));
        add("map_nested", hashMap("list", arrayList(1, 2), "map", hashMap("k", "v")));
        add("treemap_a1", new TreeMap<>(hashMap("a", 1)));
        add("linkedhashmap_a1", new LinkedHashMap<>(hashMap("a", 1)));
    }

    private static HashMap<Object, Object> hashMap(Object... keysAndValues) {
        HashMap<Object, Object> map = new HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static ArrayList<Object> arrayList(Object... items) {
        return new ArrayList<>(Arrays.asList(items));
    }

    private static void addLists() {
        add("list_1x", arrayList(1, "x"));
        add("list_empty", arrayList());
        add("list_0to8", arrayList(0, 1, 2, 3, 4, 5, 6, 7, 8));
        add("list_nested", arrayList(arrayList(1, 2), arrayList(3)));
        ArrayList<Object> strings = arrayList();
        for (int i = 0; i < 20; i++) {
            strings.add("s" + i);
        }
        add("list_strings20", strings);
        add("linkedlist_1", new LinkedList<>(List.of(1)));
        add("hashset_1", new HashSet<>(List.of(1)));
        add("int_array", (Object) new int[] {1, 2});
        add("long_array", (Object) new long[] {1});
        add("string_array", (Object) new String[] {"a"});
        add("object_array", (Object) new Object[] {1, "a"});
        add("integer_array", (Object) new Integer[] {1});
        add("int_array_empty", (Object) new int[0]);
    }

    private static void addObjectsAndRefs() {
        add("pair_1x", new Pair(1, "x"));
        add("pair_null_b", new Pair(5, null));
        add("pairs_reuse", arrayList(new Pair(1, "x"), new Pair(2, "y")));
        Pair shared = new Pair(7, "s");
        add("pair_same_twice", arrayList(shared, shared));
        HashMap<Object, Object> sharedMap = hashMap("a", 1);
        add("map_same_twice", arrayList(sharedMap, sharedMap));
        ArrayList<Object> self = arrayList();
        self.add(self);
        add("list_self", self);
        add("pair_top_twice", shared, shared);
        add("hello_top_twice", "hello", "hello");
        Box inner = new Box("inner", null, arrayList());
        add("box_nested", new Box("outer", inner, arrayList(new Pair(1, "x"), 7L)));
        Pair first = new Pair(1, "x");
        add("two_values_mixed", first, hashMap("p", first));
        add("enum_red", Color.RED);
        add("enum_list", arrayList(Color.RED, Color.RED, Color.GREEN));
    }

    private static void addJavaShapes() {
        add("bigdecimal_123_45", new BigDecimal("123.45"));
        add("bigdecimal_neg", new BigDecimal("-0.000123"));
        add("biginteger_big", new BigInteger("12345678901234567890"));
        add("biginteger_neg", new BigInteger("-98765432109876543210987654321"));
        add("biginteger_zero", BigInteger.ZERO);
        add("timestamp", new java.sql.Timestamp(1700000000000L));
        add("sqldate", new java.sql.Date(1700000000000L));
        HashMap<Object, Object> m = hashMap("a", 1);
        Date d = new Date(1700000000000L);
        int[] array = {1};
        add("refs_mixed", arrayList(new BigDecimal("1.5"), m, m, d, d, "s", "s", array, array));

        add("exc_boom", withStack(new RuntimeException("boom")));
        add("exc_cause", withStack(new Exception("outer", withStack(new IllegalStateException("inner")))));
        add("exc_null_msg", withStack(new IllegalArgumentException()));
        add("exc_stack", withStack(new RuntimeException("with stack"),
                new StackTraceElement("demo.Svc", "call", "Svc.java", 42)));
    }

    /** Replaces the captured stack so the bytes do not depend on where the table was built. */
    private static <T extends Throwable> T withStack(T t, StackTraceElement... stack) {
        t.setStackTrace(stack);
        return t;
    }
}
