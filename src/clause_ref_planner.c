/*
 * clause_ref_planner.c
 *		Planner support for the hierarchy operators of clause_ref:
 *		index conditions (so a plain btree index answers <@ and @>) and
 *		restriction selectivity.
 *
 * The descendants-or-self of a clause a are exactly the values in the range
 * [a, last_descendant(a)] (see clause_ref_text.h), so
 *
 *		c <@ a   and   a @> c		(c indexed)
 *
 * become the btree conditions c >= a AND c <= last_descendant(a), with no
 * recheck, the way LIKE 'abc%' becomes a range on text.  The ancestors-or-self
 * of a constant are at most six values, so
 *
 *		c @> const   and   const <@ c	(c indexed)
 *
 * become c = ANY(ARRAY[the ancestors of const]).  Selectivity follows the same
 * reading: a range estimated from the column's histogram, or a sum of
 * equality estimates.  A join d <@ a matches each row of d with the rows of a
 * that hold one of d's ancestors-or-self, so its selectivity is estimated as
 * that of d = a times the average depth of d (read from d's statistics).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "nodes/supportnodes.h"
#include "optimizer/optimizer.h"
#include "parser/parse_func.h"
#include "utils/array.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/selfuncs.h"
#include "utils/typcache.h"

#include "clause_ref.h"

/*
 * Average depth assumed for a column without statistics: the clauses of
 * ISO 28000:2022 average 2.2 levels, registers cite mostly sub-clauses.
 */
#define DEFAULT_AVERAGE_DEPTH	2.5

/* Which way round an operator call relates its two arguments. */
typedef enum HierarchyQuery
{
	QUERY_DESCENDANTS,			/* the key is a descendant-or-self of the other */
	QUERY_ANCESTORS				/* the key is an ancestor-or-self of the other */
} HierarchyQuery;

/* The semantics of "arg keyarg of contains (is_contains) or of contained". */
static HierarchyQuery
hierarchy_query(bool is_contains, int keyarg)
{
	/* a @> c: arg 1 descends from arg 0;  c <@ a: arg 0 descends from arg 1 */
	if (is_contains)
		return keyarg == 1 ? QUERY_DESCENDANTS : QUERY_ANCESTORS;
	return keyarg == 0 ? QUERY_DESCENDANTS : QUERY_ANCESTORS;
}

/* A Const of type typid holding the clause_ref v. */
static Const *
clause_ref_const(Oid typid, ClauseRef v)
{
	return makeConst(typid, -1, InvalidOid, sizeof(int64), ClauseRefGetDatum(v),
					 false, FLOAT8PASSBYVAL);
}

/* The array of the ancestors-or-self of v, as a Const of typid's array type. */
static Const *
ancestors_const(Oid typid, ClauseRef v)
{
	Datum		elems[CLAUSE_REF_MAX_DEPTH];
	int			depth = cref_depth(v);
	int			d;
	Oid			arraytype = get_array_type(typid);
	ArrayType  *arr;

	if (!OidIsValid(arraytype))
		return NULL;
	for (d = 1; d <= depth; d++)
		elems[d - 1] = ClauseRefGetDatum(cref_ancestor(v, d));
	arr = construct_array(elems, depth, typid, sizeof(int64), FLOAT8PASSBYVAL,
						  TYPALIGN_DOUBLE);
	return makeConst(arraytype, -1, InvalidOid, -1, PointerGetDatum(arr),
					 false, false);
}

/* OID of the SQL function last_descendant(clause_ref) next to funcid. */
static Oid
last_descendant_func(Oid funcid, Oid typid)
{
	char	   *nsp = get_namespace_name(get_func_namespace(funcid));

	return LookupFuncName(list_make2(makeString(nsp), makeString("last_descendant")),
						  1, &typid, true);
}

/* True if expr can be computed before scanning the index's relation. */
static bool
pseudo_constant_for(PlannerInfo *root, Node *expr, IndexOptInfo *index)
{
	if (contain_volatile_functions(expr))
		return false;
	return !bms_is_member(index->rel->relid, pull_varnos(root, expr));
}

/* Index conditions for a SupportRequestIndexCondition, or NIL. */
static List *
index_conditions(SupportRequestIndexCondition *req, bool is_contains)
{
	List	   *args;
	Node	   *key;
	Node	   *other;
	Oid			typid;
	TypeCacheEntry *tc;
	Oid			ge_op,
				le_op,
				eq_op;

	if (is_opclause(req->node))
		args = ((OpExpr *) req->node)->args;
	else if (is_funcclause(req->node))
		args = ((FuncExpr *) req->node)->args;
	else
		return NIL;
	if (list_length(args) != 2 || req->indexarg < 0 || req->indexarg > 1)
		return NIL;
	key = (Node *) list_nth(args, req->indexarg);
	other = (Node *) list_nth(args, 1 - req->indexarg);
	typid = exprType(key);

	/* only the type's own btree ordering has the range property */
	if (req->index->relam != BTREE_AM_OID)
		return NIL;
	tc = lookup_type_cache(typid, TYPECACHE_BTREE_OPFAMILY);
	if (tc->btree_opf != req->opfamily || exprType(other) != typid)
		return NIL;
	ge_op = get_opfamily_member(req->opfamily, typid, typid, BTGreaterEqualStrategyNumber);
	le_op = get_opfamily_member(req->opfamily, typid, typid, BTLessEqualStrategyNumber);
	eq_op = get_opfamily_member(req->opfamily, typid, typid, BTEqualStrategyNumber);
	if (!OidIsValid(ge_op) || !OidIsValid(le_op) || !OidIsValid(eq_op))
		return NIL;

	if (hierarchy_query(is_contains, req->indexarg) == QUERY_DESCENDANTS)
	{
		Expr	   *lo,
				   *hi;

		if (IsA(other, Const))
		{
			ClauseRef	a;

			if (((Const *) other)->constisnull)
				return NIL;
			a = DatumGetClauseRef(((Const *) other)->constvalue);
			if (cref_last_descendant(a) == a)
			{
				/* a clause at the deepest level contains only itself */
				req->lossy = false;
				return list_make1(make_opclause(eq_op, BOOLOID, false,
												(Expr *) key,
												(Expr *) clause_ref_const(typid, a),
												InvalidOid, InvalidOid));
			}
			lo = (Expr *) clause_ref_const(typid, a);
			hi = (Expr *) clause_ref_const(typid, cref_last_descendant(a));
		}
		else
		{
			/* a parameter or an outer column: compute the bound at run time */
			Oid			fn = last_descendant_func(req->funcid, typid);

			if (!OidIsValid(fn) || !pseudo_constant_for(req->root, other, req->index))
				return NIL;
			lo = (Expr *) other;
			hi = (Expr *) makeFuncExpr(fn, typid, list_make1(copyObject(other)),
									   InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
		}
		req->lossy = false;
		return list_make2(make_opclause(ge_op, BOOLOID, false, (Expr *) key, lo,
										InvalidOid, InvalidOid),
						  make_opclause(le_op, BOOLOID, false, (Expr *) copyObject(key),
										hi, InvalidOid, InvalidOid));
	}
	else
	{
		ScalarArrayOpExpr *saop;
		Const	   *arr;

		if (!IsA(other, Const) || ((Const *) other)->constisnull)
			return NIL;
		arr = ancestors_const(typid, DatumGetClauseRef(((Const *) other)->constvalue));
		if (arr == NULL)
			return NIL;
		saop = makeNode(ScalarArrayOpExpr);
		saop->opno = eq_op;
		saop->opfuncid = get_opcode(eq_op);
		saop->useOr = true;
		saop->inputcollid = InvalidOid;
		saop->args = list_make2(key, arr);
		saop->location = -1;
		req->lossy = false;
		return list_make1(saop);
	}
}

/* Planner support function of clause_ref_contains (the @> operator). */
PG_FUNCTION_INFO_V1(clause_ref_contains_support);
Datum
clause_ref_contains_support(PG_FUNCTION_ARGS)
{
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);

	if (IsA(rawreq, SupportRequestIndexCondition))
		PG_RETURN_POINTER(index_conditions((SupportRequestIndexCondition *) rawreq, true));
	PG_RETURN_POINTER(NULL);
}

/* Planner support function of clause_ref_contained (the <@ operator). */
PG_FUNCTION_INFO_V1(clause_ref_contained_support);
Datum
clause_ref_contained_support(PG_FUNCTION_ARGS)
{
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);

	if (IsA(rawreq, SupportRequestIndexCondition))
		PG_RETURN_POINTER(index_conditions((SupportRequestIndexCondition *) rawreq, false));
	PG_RETURN_POINTER(NULL);
}

/* Calls a restriction estimator (eqsel, scalarltsel...) on "var op value". */
static double
call_estimator(PGFunction estimator, PlannerInfo *root, Oid opno, Node *var,
			   Oid typid, ClauseRef value, int varRelid)
{
	List	   *args = list_make2(var, clause_ref_const(typid, value));

	return DatumGetFloat8(DirectFunctionCall4(estimator, PointerGetDatum(root),
											  ObjectIdGetDatum(opno),
											  PointerGetDatum(args),
											  Int32GetDatum(varRelid)));
}

/* Restriction selectivity of @> (is_contains) or <@ between a column and a constant. */
static double
hierarchy_selectivity(PlannerInfo *root, List *args, int varRelid, bool is_contains)
{
	VariableStatData vardata;
	Node	   *other;
	bool		varonleft;
	Node	   *var;
	Oid			typid;
	TypeCacheEntry *tc;
	ClauseRef	a;
	double		sel;

	if (!get_restriction_variable(root, args, varRelid, &vardata, &other, &varonleft))
		return DEFAULT_MATCH_SEL;
	ReleaseVariableStats(vardata);
	if (!IsA(other, Const))
		return DEFAULT_MATCH_SEL;
	if (((Const *) other)->constisnull)
		return 0.0;

	var = varonleft ? linitial(args) : lsecond(args);
	typid = exprType(other);
	a = DatumGetClauseRef(((Const *) other)->constvalue);
	tc = lookup_type_cache(typid, TYPECACHE_EQ_OPR | TYPECACHE_LT_OPR);
	if (!OidIsValid(tc->eq_opr) || !OidIsValid(tc->lt_opr) || !OidIsValid(tc->btree_opf))
		return DEFAULT_MATCH_SEL;

	if (hierarchy_query(is_contains, varonleft ? 0 : 1) == QUERY_DESCENDANTS)
	{
		Oid			le_op = get_opfamily_member(tc->btree_opf, typid, typid,
												BTLessEqualStrategyNumber);
		double		eq;

		if (!OidIsValid(le_op))
			return DEFAULT_MATCH_SEL;
		/* P(a <= var <= last) = P(var <= last) - P(var < a) */
		sel = call_estimator(scalarlesel, root, le_op, var, typid,
							 cref_last_descendant(a), varRelid)
			- call_estimator(scalarltsel, root, tc->lt_opr, var, typid, a, varRelid);
		/* the range holds at least a itself */
		eq = call_estimator(eqsel, root, tc->eq_opr, var, typid, a, varRelid);
		if (sel < eq)
			sel = eq;
	}
	else
	{
		int			d;

		sel = 0.0;
		for (d = 1; d <= cref_depth(a); d++)
			sel += call_estimator(eqsel, root, tc->eq_opr, var, typid,
								  cref_ancestor(a, d), varRelid);
	}
	CLAMP_PROBABILITY(sel);
	return sel;
}

/* Restriction selectivity estimator of @>. */
PG_FUNCTION_INFO_V1(clause_ref_contains_sel);
Datum
clause_ref_contains_sel(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(hierarchy_selectivity((PlannerInfo *) PG_GETARG_POINTER(0),
										   (List *) PG_GETARG_POINTER(2),
										   PG_GETARG_INT32(3), true));
}

/* Restriction selectivity estimator of <@. */
PG_FUNCTION_INFO_V1(clause_ref_contained_sel);
Datum
clause_ref_contained_sel(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(hierarchy_selectivity((PlannerInfo *) PG_GETARG_POINTER(0),
										   (List *) PG_GETARG_POINTER(2),
										   PG_GETARG_INT32(3), false));
}

/* Average depth of the values of expression node, from its statistics. */
static double
average_depth(PlannerInfo *root, Node *node)
{
	VariableStatData vardata;
	AttStatsSlot sslot;
	double		weight = 0.0;
	double		total = 0.0;
	double		nullfrac;
	int			i;

	examine_variable(root, node, 0, &vardata);
	if (!HeapTupleIsValid(vardata.statsTuple))
	{
		ReleaseVariableStats(vardata);
		return DEFAULT_AVERAGE_DEPTH;
	}
	nullfrac = ((Form_pg_statistic) GETSTRUCT(vardata.statsTuple))->stanullfrac;

	/* most common values, weighted by their frequencies */
	if (get_attstatsslot(&sslot, vardata.statsTuple, STATISTIC_KIND_MCV, InvalidOid,
						 ATTSTATSSLOT_VALUES | ATTSTATSSLOT_NUMBERS))
	{
		for (i = 0; i < sslot.nvalues && i < sslot.nnumbers; i++)
		{
			total += sslot.numbers[i] * cref_depth(DatumGetClauseRef(sslot.values[i]));
			weight += sslot.numbers[i];
		}
		free_attstatsslot(&sslot);
	}
	/* the rest of the non-null rows, spread evenly over the histogram */
	if (get_attstatsslot(&sslot, vardata.statsTuple, STATISTIC_KIND_HISTOGRAM, InvalidOid,
						 ATTSTATSSLOT_VALUES))
	{
		double		rest = 1.0 - nullfrac - weight;

		if (sslot.nvalues > 0 && rest > 0.0)
		{
			double		sum = 0.0;

			for (i = 0; i < sslot.nvalues; i++)
				sum += cref_depth(DatumGetClauseRef(sslot.values[i]));
			total += rest * sum / sslot.nvalues;
			weight += rest;
		}
		free_attstatsslot(&sslot);
	}
	ReleaseVariableStats(vardata);
	return weight > 0.0 ? total / weight : DEFAULT_AVERAGE_DEPTH;
}

/* Join selectivity of @> (is_contains) or <@: that of = times the descendants' depth. */
static double
hierarchy_join_selectivity(FunctionCallInfo fcinfo, bool is_contains)
{
	PlannerInfo *root = (PlannerInfo *) PG_GETARG_POINTER(0);
	List	   *args = (List *) PG_GETARG_POINTER(2);
	Node	   *descendant;
	TypeCacheEntry *tc;
	double		sel;

	if (list_length(args) != 2)
		return DEFAULT_MATCH_SEL;
	/* a @> d: the right argument descends;  d <@ a: the left one does */
	descendant = is_contains ? lsecond(args) : linitial(args);
	tc = lookup_type_cache(exprType(descendant), TYPECACHE_EQ_OPR);
	if (!OidIsValid(tc->eq_opr))
		return DEFAULT_MATCH_SEL;
	sel = DatumGetFloat8(DirectFunctionCall5(eqjoinsel, PG_GETARG_DATUM(0),
											 ObjectIdGetDatum(tc->eq_opr),
											 PG_GETARG_DATUM(2), PG_GETARG_DATUM(3),
											 PG_GETARG_DATUM(4)));
	sel *= average_depth(root, descendant);
	CLAMP_PROBABILITY(sel);
	return sel;
}

/* Join selectivity estimator of @>. */
PG_FUNCTION_INFO_V1(clause_ref_contains_joinsel);
Datum
clause_ref_contains_joinsel(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(hierarchy_join_selectivity(fcinfo, true));
}

/* Join selectivity estimator of <@. */
PG_FUNCTION_INFO_V1(clause_ref_contained_joinsel);
Datum
clause_ref_contained_joinsel(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(hierarchy_join_selectivity(fcinfo, false));
}
