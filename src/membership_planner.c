/*
 * membership_planner.c
 *		Planner support for the row-level security policies of the
 *		registers, iso28000.policy_has_level(org_id, level): an index
 *		condition on org_id where it narrows the scan, and a selectivity
 *		read from one look at the column's statistics.
 *
 * Why.  Until 0.3.0 every policy was org_id = ANY (iso28000.policy_orgs(level)).
 * To estimate that, the planner's scalararraysel() evaluates policy_orgs() at
 * plan time (estimate_expression_value) and asks eqsel() about each
 * organisation of the array, fetching the column's statistics each time;
 * a single-row UPDATE carries the UPDATE policy and the SELECT policy, so a
 * member of 10 organisations paid 20 statistics look-ups per statement,
 * about 110,000 instructions of a 1,060,000-instruction transition
 * (bench/results/rls.md).  And where the statement named its organisation
 * (org_id = 2 AND nonconformity_id = 20001), both arrays became index
 * conditions too, next to org_id = 2: a btree scan of PostgreSQL 15 walks
 * every combination of the array keys of one column (10 x 10 descents,
 * each refused but the one) at every execution.
 *
 * Now a policy is iso28000.policy_has_level(org_id, level), a boolean C
 * function over the same per-backend cache (membership.c), and this support
 * function tells the planner:
 *	- SupportRequestIndexCondition: on a btree index column that holds org_id,
 *	  the exact equivalent org_id = ANY (iso28000.policy_orgs(level)), an
 *	  index condition evaluated once per scan, as before; except when the
 *	  statement itself restricts that column to one value (org_id = 2, or
 *	  org_id = $1 in a prepared statement): then the policy stays a filter,
 *	  evaluated on the rows that value finds (a binary search each), and the
 *	  scan does not walk the array.
 *	- SupportRequestSelectivity: what scalararraysel() would estimate for
 *	  org_id = ANY (the organisations), the sum of the organisations' equality
 *	  selectivities, from one fetch of the most common values; or, where the
 *	  statement fixes org_id to a constant, 1 or 0 (the policy keeps all or
 *	  none of that organisation's rows), from no statistics at all.
 *
 * What the plan holds.  Neither answer puts the member's organisations into
 * the plan: the index condition calls policy_orgs() when the scan starts, the
 * filter calls policy_has_level() per row, so a cached or prepared plan
 * answers for the role and the membership of the moment it runs
 * (test/pgtap/policy_planner.sql).  Only the estimate reads the membership of
 * the planning role, as scalararraysel() did.
 */
#include "iso28000_compat.h"

#include "access/htup_details.h"
#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "nodes/supportnodes.h"
#include "optimizer/optimizer.h"
#include "optimizer/paths.h"
#include "optimizer/restrictinfo.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/selfuncs.h"
#include "utils/syscache.h"

#include "membership.h"

/* The level argument of a policy_has_level() call, when it is a constant. */
static text *
mp_level(List *args)
{
	Node	   *lvl;

	if (list_length(args) != 2)
		return NULL;
	lvl = lsecond(args);
	if (!IsA(lvl, Const) || ((Const *) lvl)->constisnull || ((Const *) lvl)->consttype != TEXTOID)
		return NULL;
	return DatumGetTextPP(((Const *) lvl)->constvalue);
}

/* Whether org is in the sorted array. */
static bool
mp_member(const int64 *orgs, int n, int64 org)
{
	int			lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (orgs[mid] == org)
			return true;
		if (orgs[mid] < org)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

/*
 * Whether opno is the btree equality of opfamily.  The integer family's
 * equalities between bigint and bigint, integer or smallint (the operators
 * of pg_operator.dat: 410 int8eq, 416 int84eq, 15 int48eq, 1868 int82eq,
 * 1862 int28eq, stable OIDs of the catalog) are known without a look-up: a
 * statement that names its organisation (org_id = 1) asked the catalog
 * (get_op_opfamily_strategy, a syscache search) three times per plan.  Any
 * other operator or family is asked as before.
 */
static bool
mp_btree_equality(Oid opno, Oid opfamily)
{
	if (opfamily == INTEGER_BTREE_FAM_OID)
	{
		switch (opno)
		{
			case 410:			/* bigint = bigint */
			case 416:			/* bigint = integer */
			case 15:			/* integer = bigint */
			case 1868:			/* bigint = smallint */
			case 1862:			/* smallint = bigint */
				return true;
		}
	}
	return get_op_opfamily_strategy(opno, opfamily) == BTEqualStrategyNumber;
}

/*
 * The organisation the statement fixes org (a column of a base relation) to,
 * by a restriction clause org = constant of the integer btree family
 * (org_id = 2 compares bigint with integer): *value, true.
 */
static bool
mp_fixed_const(PlannerInfo *root, Node *org, int64 *value)
{
	Var		   *var = (Var *) org;
	RelOptInfo *rel;
	ListCell   *lc;

	if (!IsA(var, Var) || var->varlevelsup != 0 || var->varno <= 0 ||
		var->varno >= root->simple_rel_array_size)
		return false;
	rel = root->simple_rel_array[var->varno];
	if (rel == NULL || rel->reloptkind != RELOPT_BASEREL)
		return false;
	foreach(lc, rel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		OpExpr	   *op = (OpExpr *) ri->clause;
		Node	   *l,
				   *r;
		Const	   *c;

		if (!IsA(op, OpExpr) || list_length(op->args) != 2)
			continue;
		l = linitial(op->args);
		r = lsecond(op->args);
		if (IsA(r, Var) && IsA(l, Const))
		{
			Node	   *t = l;

			l = r;
			r = t;
		}
		/* the clause's shape first, the operator's family (a catalog look-up) last */
		if (!IsA(r, Const) || ((Const *) r)->constisnull || !equal(l, var) ||
			!mp_btree_equality(op->opno, INTEGER_BTREE_FAM_OID))
			continue;
		c = (Const *) r;
		switch (c->consttype)
		{
			case INT8OID:
				*value = DatumGetInt64(c->constvalue);
				return true;
			case INT4OID:
				*value = DatumGetInt32(c->constvalue);
				return true;
			case INT2OID:
				*value = DatumGetInt16(c->constvalue);
				return true;
		}
	}
	return false;
}

/*
 * The selectivity of policy_has_level(org, level) for the current role.
 * Where the statement fixes org to a constant (org_id = 2), the policy keeps
 * all or none of the rows that constant selects: 1 or 0, with no statistics.
 * Otherwise the sum over its organisations of what var_eq_const() estimates
 * for org = that organisation (the most common values' frequencies where
 * they are among them; the rest share what the most common values leave), as
 * scalararraysel() sums them for an = ANY of distinct values.  False when
 * the call is not one this can read (then the planner's default applies).
 */
static bool
mp_selectivity(SupportRequestSelectivity *req, Selectivity *out)
{
	text	   *level = mp_level(req->args);
	Node	   *org;
	VariableStatData vardata;
	AttStatsSlot sslot;
	bool		have_mcv = false,
				isdefault;
	double		nd,
				nullfrac = 0.0,
				sumcommon = 0.0,
				matched_sel = 0.0,
				other,
				least = 1.0;
	int			matched = 0,
				nmcv = 0,
				k,
				i;
	int64	   *orgs,
				fixed;
	Selectivity s;

	if (req->is_join || level == NULL)
		return false;
	org = linitial(req->args);
	if (exprType(org) != INT8OID)
		return false;

	if (mp_fixed_const(req->root, org, &fixed))
	{
		char		name[NAMEDATALEN];

		/* one binary search in the cache: no array of organisations */
		text_to_cstring_buffer(level, name, sizeof(name));
		*out = membership_has_level(GetUserId(), fixed, name) ? 1.0 : 0.0;
		return true;
	}
	k = membership_orgs(GetUserId(), VARDATA_ANY(level), VARSIZE_ANY_EXHDR(level), &orgs);
	if (k <= 0)
	{
		*out = 0.0;				/* no organisation, or no such level: no row */
		return true;
	}

	examine_variable(req->root, org, req->varRelid, &vardata);
	nd = get_variable_numdistinct(&vardata, &isdefault);
	if (HeapTupleIsValid(vardata.statsTuple) &&
		statistic_proc_security_check(&vardata, F_INT8EQ))
	{
		nullfrac = ((Form_pg_statistic) GETSTRUCT(vardata.statsTuple))->stanullfrac;
		have_mcv = get_attstatsslot(&sslot, vardata.statsTuple, STATISTIC_KIND_MCV, InvalidOid,
									ATTSTATSSLOT_VALUES | ATTSTATSSLOT_NUMBERS);
	}
	if (have_mcv)
	{
		for (i = 0; i < sslot.nnumbers; i++)
		{
			sumcommon += sslot.numbers[i];
			if (i < sslot.nvalues && mp_member(orgs, k, DatumGetInt64(sslot.values[i])))
			{
				matched_sel += sslot.numbers[i];
				matched++;
			}
		}
		nmcv = sslot.nnumbers;
		if (nmcv > 0)
			least = sslot.numbers[nmcv - 1];
		free_attstatsslot(&sslot);

		/* an organisation that is not a most common value (var_eq_const) */
		other = 1.0 - sumcommon - nullfrac;
		CLAMP_PROBABILITY(other);
		if (nd - nmcv > 1)
			other /= nd - nmcv;
		if (nmcv > 0 && other > least)
			other = least;
	}
	else
		other = 1.0 / nd;		/* no statistics: 1 / distinct values */
	ReleaseVariableStats(vardata);

	s = matched_sel + (k - matched) * other;
	CLAMP_PROBABILITY(s);
	*out = s;
	return true;
}

/*
 * Whether the statement restricts the index column to one value by itself:
 * a restriction clause column = pseudoconstant with the column's btree
 * equality, that may be used as an index condition (it is not held back
 * behind the policies as a leaky one).
 */
static bool
mp_column_fixed(PlannerInfo *root, IndexOptInfo *index, int indexcol, Oid opfamily)
{
	ListCell   *lc;

	foreach(lc, index->rel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		OpExpr	   *op;
		Node	   *other;

		if (!IsA(ri->clause, OpExpr) || ri->pseudoconstant)
			continue;
		op = (OpExpr *) ri->clause;
		if (list_length(op->args) != 2)
			continue;
		if (match_index_to_operand(linitial(op->args), indexcol, index))
			other = lsecond(op->args);
		else if (match_index_to_operand(lsecond(op->args), indexcol, index))
			other = linitial(op->args);
		else
			continue;
		/* the operand first (a constant needs no walk), the catalog look-ups last */
		if ((IsA(other, Const) || (!contain_var_clause(other) && !contain_volatile_functions(other))) &&
			mp_btree_equality(op->opno, opfamily) &&
			restriction_is_securely_promotable(ri, index->rel))
			return true;
	}
	return false;
}

/*
 * The index condition for policy_has_level(org, level) on a btree index
 * column holding org: org = ANY (iso28000.policy_orgs(level)), exact (the
 * same cache answers both).  NIL when the column is not a bigint btree column
 * or the statement fixes the column's value itself.
 */
static List *
mp_index_condition(SupportRequestIndexCondition *req)
{
	FuncExpr   *f = (FuncExpr *) req->node;
	Node	   *org;
	Oid			eqop,
				nsp,
				arrayfn,
				textoid = TEXTOID;
	ScalarArrayOpExpr *saop;

	if (!IsA(f, FuncExpr) || req->indexarg != 0 || mp_level(f->args) == NULL)
		return NIL;
	org = linitial(f->args);
	if (exprType(org) != INT8OID || req->index->relam != BTREE_AM_OID || !req->index->amsearcharray)
		return NIL;
	/* a statement that fixes the column needs no catalog look-up here */
	if (mp_column_fixed(req->root, req->index, req->indexcol, req->opfamily))
		return NIL;
	eqop = get_opfamily_member(req->opfamily, INT8OID, INT8OID, BTEqualStrategyNumber);
	if (!OidIsValid(eqop))
		return NIL;

	/* policy_orgs(text) of the policy function's own schema, by catalog: no path */
	nsp = get_func_namespace(f->funcid);
	arrayfn = GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid,
							  CStringGetDatum("policy_orgs"),
							  PointerGetDatum(buildoidvector(&textoid, 1)),
							  ObjectIdGetDatum(nsp));
	if (!OidIsValid(arrayfn) || get_func_rettype(arrayfn) != INT8ARRAYOID)
		return NIL;

	saop = makeNode(ScalarArrayOpExpr);
	saop->opno = eqop;
	saop->opfuncid = get_opcode(eqop);
	saop->useOr = true;
	saop->inputcollid = InvalidOid;
	saop->args = list_make2(copyObject(org),
							makeFuncExpr(arrayfn, INT8ARRAYOID, list_make1(copyObject(lsecond(f->args))),
										 InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL));
	saop->location = -1;
	req->lossy = false;
	return list_make1(saop);
}

/*
 * Whether qual, taken as a conjunction (an implicit-AND list, an AND, or a
 * single clause), has a conjunct policy_has_level(var, level) of the function
 * funcid, with the same var and a level of a rank above want.  Only top-level
 * conjuncts count: one under an OR or a NOT is not implied by its qual.
 */
static bool
mp_conjuncts_imply(Node *qual, Oid funcid, Var *var, text *own, int16 want, Oid *levels_relid)
{
	ListCell   *lc;

	if (qual == NULL)
		return false;
	if (IsA(qual, List))
	{
		foreach(lc, (List *) qual)
			if (mp_conjuncts_imply(lfirst(lc), funcid, var, own, want, levels_relid))
				return true;
		return false;
	}
	if (is_andclause(qual))
		return mp_conjuncts_imply((Node *) ((BoolExpr *) qual)->args, funcid, var, own, want, levels_relid);
	if (IsA(qual, FuncExpr) && ((FuncExpr *) qual)->funcid == funcid)
	{
		FuncExpr   *f = (FuncExpr *) qual;
		text	   *level = mp_level(f->args);
		int16		rank;

		/* the same level (the call itself) implies nothing more */
		if (level == NULL ||
			(VARSIZE_ANY_EXHDR(level) == VARSIZE_ANY_EXHDR(own) &&
			 memcmp(VARDATA_ANY(level), VARDATA_ANY(own), VARSIZE_ANY_EXHDR(own)) == 0))
			return false;
		return equal(linitial(f->args), var) &&
			membership_level_rank(VARDATA_ANY(level), VARSIZE_ANY_EXHDR(level), &rank, levels_relid) &&
			rank > want;
	}
	return false;
}

/*
 * SupportRequestSimplify: policy_has_level(org_id, level) on the target of an
 * UPDATE that is implied by the UPDATE's own row-level security, so true.
 *
 * An UPDATE by a member carries the UPDATE policy and the SELECT policy of
 * the register twice each (PostgreSQL: the old row must pass both USING
 * clauses, the new row the UPDATE policy's WITH CHECK and the SELECT policy's
 * USING): policy_has_level(org_id, 'write') and policy_has_level(org_id,
 * 'read'), two security quals and two checks, which the planner estimates,
 * costs, matches to indexes and the executor sets up and evaluates, each.
 * Levels are ordered (a higher rank includes every lower one), so where the
 * old rows must pass policy_has_level(org_id, L) (a conjunct of a security
 * qual of the target) and the new rows too (a conjunct of an RLS update
 * check), every row the statement sees or writes passes the same call with a
 * lower level: that call is true, and PostgreSQL drops the security qual and
 * the check it stood alone in.  Anything else stays: another command, an
 * INSERT ... ON CONFLICT, another relation or query level, a level not below,
 * a higher-level call under an OR (two permissive policies), one of only the
 * old or only the new row.  The plan then depends on the ranks
 * (iso28000.access_level), so a cached plan is made again when they change.
 */
static Node *
mp_simplify(SupportRequestSimplify *req)
{
	PlannerInfo *root = req->root;
	FuncExpr   *f = req->fcall;
	Query	   *parse;
	text	   *level;
	Var		   *var;
	RangeTblEntry *rte;
	ListCell   *lc;
	int16		want;
	Oid			levels_relid = InvalidOid;
	bool		checked = false;

	if (root == NULL || root->parse == NULL || root->glob == NULL)
		return NULL;
	parse = root->parse;
	if (parse->commandType != CMD_UPDATE || parse->onConflict != NULL || parse->resultRelation <= 0 ||
		(level = mp_level(f->args)) == NULL)
		return NULL;
	var = (Var *) linitial(f->args);
	if (!IsA(var, Var) || var->varlevelsup != 0 || var->varno != parse->resultRelation ||
		!membership_level_rank(VARDATA_ANY(level), VARSIZE_ANY_EXHDR(level), &want, &levels_relid))
		return NULL;
	rte = rt_fetch(parse->resultRelation, parse->rtable);
	if (rte->rtekind != RTE_RELATION ||
		!mp_conjuncts_imply((Node *) rte->securityQuals, f->funcid, var, level, want, &levels_relid))
		return NULL;
	foreach(lc, parse->withCheckOptions)
	{
		WithCheckOption *wco = lfirst_node(WithCheckOption, lc);

		if (wco->kind == WCO_RLS_UPDATE_CHECK &&
			mp_conjuncts_imply(wco->qual, f->funcid, var, level, want, &levels_relid))
		{
			checked = true;
			break;
		}
	}
	if (!checked || !OidIsValid(levels_relid))
		return NULL;
	root->glob->relationOids = lappend_oid(root->glob->relationOids, levels_relid);
	return makeBoolConst(true, false);
}

PG_FUNCTION_INFO_V1(iso28000_policy_support);
/* policy_support(internal): planner support of policy_has_level() (index condition, selectivity). */
Datum
iso28000_policy_support(PG_FUNCTION_ARGS)
{
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);

	if (IsA(rawreq, SupportRequestSelectivity))
	{
		SupportRequestSelectivity *req = (SupportRequestSelectivity *) rawreq;
		Selectivity s;

		if (mp_selectivity(req, &s))
		{
			req->selectivity = s;
			PG_RETURN_POINTER(req);
		}
	}
	else if (IsA(rawreq, SupportRequestSimplify))
	{
		Node	   *simplified = mp_simplify((SupportRequestSimplify *) rawreq);

		if (simplified != NULL)
			PG_RETURN_POINTER(simplified);
	}
	else if (IsA(rawreq, SupportRequestIndexCondition))
	{
		List	   *conds = mp_index_condition((SupportRequestIndexCondition *) rawreq);

		if (conds != NIL)
			PG_RETURN_POINTER(conds);
	}
	PG_RETURN_POINTER(NULL);
}
