/*
 * test/jdbc/ViewsThroughJdbc.java
 *		What a BI tool sees of the extension's views through the PostgreSQL
 *		JDBC driver (Debian's libpostgresql-jdbc-java), with the driver's
 *		default settings: no search_path, no stringtype, no options.
 *
 * Run by test/suite.d/jdbc as a member of the demo organisations (read, and
 * audit in one of them for the history views), in read-only transactions.  For every view of schema iso28000 that DatabaseMetaData
 * lists:
 *   - the view has REMARKS (its COMMENT), and so has every column;
 *   - no column reaches JDBC as OTHER, ARRAY, STRUCT, DISTINCT or JAVA_OBJECT
 *     (types a BI tool cannot map), and every column is one of the plain
 *     types the views promise (doc/bi.md): text, integer, bigint, numeric,
 *     boolean, date, timestamp with time zone;
 *   - every column can be filtered, grouped and sorted on with a bound string
 *     parameter: the first non-NULL value of the column, read back with
 *     getString(), is bound as a string of unspecified type (what
 *     node-postgres and most BI tools send), and for character columns also
 *     with setString() (the JDBC default, varchar), in
 *       SELECT col, count(*) FROM view WHERE col = ? GROUP BY col ORDER BY col
 *     which must return the value itself, at least once.
 * A view whose COMMENT contains the marker "Not meant for BI." is skipped
 * (doc/bi.md documents the rule); such a view is still named in the output.
 *
 * Prints one "ok N - ..." or "not ok N - ..." line per check and ends with
 * "N passed, N failed"; exits 1 on any failure.
 */
import java.sql.*;
import java.util.*;

public class ViewsThroughJdbc {
	static final String SCHEMA = "iso28000";
	static final String NOT_FOR_BI = "Not meant for BI.";
	static final Set<String> PLAIN = Set.of("text", "int4", "int8", "numeric", "bool", "date", "timestamptz");
	static int passed = 0, failed = 0, n = 0;

	static void check(boolean good, String what) {
		n++;
		if (good) { passed++; System.out.println("ok " + n + " - " + what); }
		else { failed++; System.out.println("not ok " + n + " - " + what); }
	}

	static String ident(String s) { return "\"" + s.replace("\"", "\"\"") + "\""; }

	static boolean isCharacter(int t) {
		return t == Types.VARCHAR || t == Types.CHAR || t == Types.LONGVARCHAR
			|| t == Types.NVARCHAR || t == Types.NCHAR || t == Types.LONGNVARCHAR;
	}

	static String error(SQLException e) {
		return e.getSQLState() + " " + e.getMessage().replace('\n', ' ');
	}

	/* Filters, groups and sorts on one column with the value bound one way. */
	static void filterGroupSort(Connection c, String view, String col, String value,
								boolean setString) {
		String how = setString ? "setString (varchar)" : "setObject(Types.OTHER) (unspecified)";
		String sql = "SELECT " + ident(col) + ", count(*) FROM " + ident(SCHEMA) + "." + ident(view)
			+ " WHERE " + ident(col) + " = ? GROUP BY " + ident(col) + " ORDER BY " + ident(col);
		String what = view + "." + col + ": filter, group and sort with a string bound by " + how;
		try (PreparedStatement ps = c.prepareStatement(sql)) {
			if (setString) ps.setString(1, value); else ps.setObject(1, value, Types.OTHER);
			try (ResultSet rs = ps.executeQuery()) {
				boolean found = rs.next();
				String back = found ? rs.getString(1) : null;
				long count = found ? rs.getLong(2) : 0;
				boolean more = found && rs.next();
				check(found && value.equals(back) && count >= 1 && !more,
					  what + (found ? "" : " (no row for " + value + ")"));
			}
		} catch (SQLException e) {
			check(false, what + ": " + error(e));
			try { c.rollback(); } catch (SQLException ignored) { }
		}
	}

	public static void main(String[] args) throws Exception {
		if (args.length != 3) {
			System.err.println("usage: ViewsThroughJdbc JDBC-URL USER PASSWORD");
			System.exit(2);
		}
		Properties p = new Properties();
		p.setProperty("user", args[1]);
		p.setProperty("password", args[2]);
		try (Connection c = DriverManager.getConnection(args[0], p)) {
			c.setAutoCommit(false);
			c.setReadOnly(true);
			DatabaseMetaData md = c.getMetaData();
			System.out.println("# " + md.getDriverName() + " " + md.getDriverVersion()
							   + " against " + md.getDatabaseProductName() + " " + md.getDatabaseProductVersion());

			try (Statement s = c.createStatement();
				 ResultSet rs = s.executeQuery("SHOW search_path")) {
				rs.next();
				String sp = rs.getString(1);
				check("\"$user\", public".equals(sp), "the session runs with the default search_path (" + sp + ")");
			}

			Map<String, String> views = new TreeMap<>();
			try (ResultSet rs = md.getTables(null, SCHEMA, "%", new String[] {"VIEW"})) {
				while (rs.next()) views.put(rs.getString("TABLE_NAME"), rs.getString("REMARKS"));
			}
			check(views.size() > 0, "DatabaseMetaData lists " + views.size() + " views in schema " + SCHEMA);

			for (Map.Entry<String, String> v : views.entrySet()) {
				String view = v.getKey(), remarks = v.getValue();
				check(remarks != null && !remarks.isBlank(), view + ": the view has REMARKS");
				if (remarks != null && remarks.contains(NOT_FOR_BI)) {
					System.out.println("# " + view + ": skipped, its comment says \"" + NOT_FOR_BI + "\"");
					continue;
				}
				List<String[]> cols = new ArrayList<>();
				try (ResultSet rs = md.getColumns(null, SCHEMA, view, "%")) {
					while (rs.next())
						cols.add(new String[] {rs.getString("COLUMN_NAME"), rs.getString("DATA_TYPE"),
											   rs.getString("TYPE_NAME"), rs.getString("REMARKS")});
				}
				for (String[] col : cols) {
					String name = col[0], typeName = col[2], rem = col[3];
					int type = Integer.parseInt(col[1]);
					check(type != Types.OTHER && type != Types.ARRAY && type != Types.STRUCT
						  && type != Types.JAVA_OBJECT && type != Types.DISTINCT,
						  view + "." + name + ": a type BI tools map (" + typeName + ", java.sql.Types " + type + ")");
					check(PLAIN.contains(typeName),
						  view + "." + name + ": one of the plain types the views promise (" + typeName + ")");
					check(rem != null && !rem.isBlank(), view + "." + name + ": the column has REMARKS");

					String value = null;
					String first = "SELECT " + ident(name) + " FROM " + ident(SCHEMA) + "." + ident(view)
						+ " WHERE " + ident(name) + " IS NOT NULL LIMIT 1";
					try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(first)) {
						if (rs.next()) value = rs.getString(1);
					} catch (SQLException e) {
						check(false, view + "." + name + ": reading a value: " + error(e));
						c.rollback();
						continue;
					}
					if (value == null) {
						System.out.println("# " + view + "." + name + ": no non-NULL value in the demo data, not filtered on");
						continue;
					}
					filterGroupSort(c, view, name, value, false);
					if (isCharacter(type)) filterGroupSort(c, view, name, value, true);
				}
			}
			c.rollback();
		}
		System.out.println(passed + " passed, " + failed + " failed");
		System.exit(failed == 0 ? 0 : 1);
	}
}
