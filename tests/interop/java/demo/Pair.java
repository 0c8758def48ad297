package demo;

/** A two-field class; Caucho requires Serializable for reflected objects. */
public class Pair implements java.io.Serializable {
    public int a;
    public String b;

    public Pair() {}

    public Pair(int a, String b) {
        this.a = a;
        this.b = b;
    }
}
