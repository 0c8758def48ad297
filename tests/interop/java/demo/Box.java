package demo;

import java.util.List;

/** A class with compound fields, for nested objects and class-definition reuse. */
public class Box implements java.io.Serializable {
    public String name;
    public Object inner;
    public List<Object> items;

    public Box() {}

    public Box(String name, Object inner, List<Object> items) {
        this.name = name;
        this.inner = inner;
        this.items = items;
    }
}
