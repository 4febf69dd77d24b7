/*
 * spof.c
 *		Single points of failure of an organisation's supply chain, for every
 *		critical process at once: iso28000.single_points_of_failure().
 *
 * The rules are those of iso28000.node_loss_impact() (sql/clauses/
 * clause08_1-2_operation.sql), which 0.1.0 applied once per candidate node:
 *
 *   - The links of a dependent node are grouped by alternative_group (a link
 *     with no group is a group of its own).  A group is a critical need when
 *     one of its links is critical; groups with no critical link never stop
 *     anything.  Every link of a critical group is an alternative, whatever
 *     its own criticality.
 *   - Losing a set of nodes stops, in turn, every node one of whose critical
 *     needs has lost every alternative, until nothing more stops (a least
 *     fixed point: a cycle of nodes that keep each other supplied does not
 *     stop unless a loss reaches into it).  F(c) is what stops when c alone is
 *     lost, c included; nodes_lost is |F(c)|.
 *   - A critical process in use is cut by c when one of its critical needs
 *     (process_dependency grouped the same way) has every alternative in F(c).
 *   - node.active plays no part, as in 0.1.0.
 *
 * Computing F(c) for every candidate c separately costs the sum of the |F(c)|,
 * which is quadratic on a chain (F of the k-th node of a chain has k nodes).
 * Two facts make the whole computation near-linear on chain- and tree-shaped
 * graphs, and keep it exact on any graph:
 *
 *   1. A dominator tree of a relaxed graph.  Call a node special when it has
 *      no critical need (a source), two or more (it stops when any one fails:
 *      an AND, which no dominator tree can express), or lies on a cycle of
 *      needs.  In the relaxed model special nodes never stop unless lost
 *      themselves; every other node has one critical need and stops when all
 *      its alternatives stop.  Its flow graph (a virtual root R feeding every
 *      special node, each alternative t feeding the node that needs it) is
 *      acyclic, and there F'(c), what stops when c is lost, is exactly the set
 *      of nodes c dominates.  The dominator tree is built with the iterative
 *      algorithm of Cooper, Harvey and Kennedy ("A Simple, Fast Dominance
 *      Algorithm", 2001) over a reverse postorder.  The relaxed model only
 *      ever stops fewer nodes than the real one, so F'(c) is a subset of F(c):
 *      every node below c in the tree stops with c, and F(d) is a subset of
 *      F(c) for every descendant d.
 *   2. Closure is incremental.  With the failure state (which nodes stopped,
 *      how many alternatives each critical need has left) of F(h) for a child
 *      h of c, F(c) is that state plus c and the tree subtrees of c's other
 *      children, propagated to the fixed point.  Visiting the tree keeping the
 *      state of the heaviest child and re-adding the lighter subtrees (the
 *      "small to large" order), each node is re-added O(log n) times.
 *
 * On a graph that is a chain or a tree of needs the work is O((n + m) log n);
 * where ANDs and cycles make failures spread beyond the tree, the propagation
 * beyond it is repeated per candidate (exactly, no worse than 0.1.0 applied
 * in C).  Links and processes are read as the caller, through row-level
 * security, with two SPI queries; nothing outlives the call.
 */
#include "iso28000_compat.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "citus_compat.h"

/* Zeroed memory, possibly over 1 GB. */
static inline void *
spof_alloc0(Size size, int flags)
{
	return palloc_extended(Max(size, 1), flags | MCXT_ALLOC_ZERO);
}

/* A growable array of int. */
typedef struct IntVec
{
	int		   *v;
	int			len;
	int			cap;
} IntVec;

/* Appends x to a vector, growing it as needed. */
static inline void
iv_push(IntVec *a, int x)
{
	if (a->len == a->cap)
	{
		a->cap = a->cap ? a->cap * 2 : 256;
		a->v = a->v ? repalloc_huge(a->v, (Size) a->cap * sizeof(int))
			: palloc_extended((Size) a->cap * sizeof(int), MCXT_ALLOC_HUGE);
	}
	a->v[a->len++] = x;
}

typedef struct NodeKey
{
	int64		node_id;		/* hash key */
	int			idx;			/* dense index */
} NodeKey;

/* The graph as read, in dense indices. */
typedef struct Graph
{
	HTAB	   *map;			/* node_id -> idx */
	int64	   *node_ids;		/* idx -> node_id */
	int			nnodes;
	int			node_cap;
	IntVec		cand;			/* nodes at the providing end of a critical link */

	/* groups: supply groups (owner: node idx) then process groups (owner: process idx) */
	IntVec		g_owner;
	IntVec		g_start;		/* members of g: g_mem[g_start[g] .. g_start[g+1]) */
	IntVec		g_mem;
	int			nsupply;		/* groups [0, nsupply) are supply groups */
	int			ngroups;

	int64	   *proc_ids;		/* process idx -> sms_process_id */
	int			nprocs;
	int			proc_cap;
} Graph;

/* Dense index of a node, added when new. */
static int
node_index(Graph *g, int64 node_id)
{
	bool		found;
	NodeKey    *e = hash_search(g->map, &node_id, HASH_ENTER, &found);

	if (!found)
	{
		if (g->nnodes == g->node_cap)
		{
			g->node_cap = g->node_cap ? g->node_cap * 2 : 1024;
			g->node_ids = g->node_ids
				? repalloc_huge(g->node_ids, (Size) g->node_cap * sizeof(int64))
				: palloc_extended((Size) g->node_cap * sizeof(int64), MCXT_ALLOC_HUGE);
		}
		e->idx = g->nnodes;
		g->node_ids[g->nnodes++] = node_id;
	}
	return e->idx;
}

/* Reads an int8[] datum into a palloc'd array. */
static int64 *
int8_array(Datum d, int *n)
{
	ArrayType  *a = DatumGetArrayTypeP(d);
	Datum	   *elems;
	bool	   *nulls;
	int64	   *out;

	deconstruct_array(a, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, n);
	out = palloc(Max(*n, 1) * sizeof(int64));
	for (int i = 0; i < *n; i++)
		out[i] = nulls[i] ? 0 : DatumGetInt64(elems[i]);
	pfree(elems);
	pfree(nulls);
	return out;
}

/*
 * Runs one grouping query and appends its groups.  Each row is (owner id,
 * every alternative, the critical alternatives or NULL); owners are nodes
 * (process false) or processes (process true).
 */
static void
load_groups(Graph *g, const char *sql, int64 org_id, bool process, MemoryContext work)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(org_id)};
	int			rc = SPI_execute_with_args(sql, 1, argtypes, args, NULL, true, 0);

	if (rc != SPI_OK_SELECT)
		elog(ERROR, "single_points_of_failure: query failed: %s", SPI_result_code_string(rc));
	/* SPI returns in its own procedure context; the graph must outlive SPI_finish */
	MemoryContextSwitchTo(work);

	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;
		int64		owner_id = DatumGetInt64(SPI_getbinval(tup, td, 1, &isnull));
		Datum		all = SPI_getbinval(tup, td, 2, &isnull);
		Datum		crit;
		int64	   *mem;
		int			n;
		int			owner;

		if ((r & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		if (process)
		{
			/* rows come ordered by process: a new process gets the next index */
			if (g->nprocs == 0 || g->proc_ids[g->nprocs - 1] != owner_id)
			{
				if (g->nprocs == g->proc_cap)
				{
					g->proc_cap = g->proc_cap ? g->proc_cap * 2 : 64;
					g->proc_ids = g->proc_ids ? repalloc(g->proc_ids, g->proc_cap * sizeof(int64))
						: palloc(g->proc_cap * sizeof(int64));
				}
				g->proc_ids[g->nprocs++] = owner_id;
			}
			owner = g->nprocs - 1;
		}
		else
			owner = node_index(g, owner_id);

		iv_push(&g->g_owner, owner);
		iv_push(&g->g_start, g->g_mem.len);
		mem = int8_array(all, &n);
		for (int i = 0; i < n; i++)
			iv_push(&g->g_mem, node_index(g, mem[i]));
		pfree(mem);
		g->ngroups++;

		crit = SPI_getbinval(tup, td, 3, &isnull);
		if (!isnull)
		{
			mem = int8_array(crit, &n);
			for (int i = 0; i < n; i++)
				iv_push(&g->cand, node_index(g, mem[i]));
			pfree(mem);
		}
	}
	SPI_freetuptable(SPI_tuptable);
}

/* Builds a CSR adjacency (start[n+1], adj[]) from (from, to) pairs. */
static void
csr_build(int n, const IntVec *from, const IntVec *to, int **start_out, int **adj_out)
{
	int		   *start = spof_alloc0((Size) (n + 1) * sizeof(int), MCXT_ALLOC_HUGE);
	int		   *adj = palloc_extended((Size) Max(from->len, 1) * sizeof(int), MCXT_ALLOC_HUGE);
	int		   *fill;

	for (int i = 0; i < from->len; i++)
		start[from->v[i] + 1]++;
	for (int i = 0; i < n; i++)
		start[i + 1] += start[i];
	fill = palloc_extended((Size) Max(n, 1) * sizeof(int), MCXT_ALLOC_HUGE);
	memcpy(fill, start, n * sizeof(int));
	for (int i = 0; i < from->len; i++)
		adj[fill[from->v[i]]++] = to->v[i];
	pfree(fill);
	*start_out = start;
	*adj_out = adj;
}

/* One output row. */
typedef struct SpofRow
{
	int64		node_id;
	int64		process_id;
	int			lost;
} SpofRow;

/* Orders output rows by node, then process, as 0.1.0 returned them. */
static int
row_cmp(const void *a, const void *b)
{
	const SpofRow *x = a;
	const SpofRow *y = b;

	if (x->node_id != y->node_id)
		return x->node_id < y->node_id ? -1 : 1;
	if (x->process_id != y->process_id)
		return x->process_id < y->process_id ? -1 : 1;
	return 0;
}

/* The failure state: what has stopped, and what each critical need has left. */
typedef struct FailState
{
	bool	   *failed;			/* per node */
	int		   *left;			/* per group: alternatives not yet stopped */
	const int  *left0;			/* per group: all alternatives */
	bool	   *cut;			/* per process */
	IntVec		stopped;		/* nodes stopped, in order; also the work queue */
	int			head;			/* stopped[head..] are not propagated yet */
	IntVec		touched;		/* groups whose left changed */
	IntVec		cuts;			/* processes cut */
} FailState;

/* Stops a node (once). */
static inline void
fs_fail(FailState *s, int x)
{
	if (!s->failed[x])
	{
		s->failed[x] = true;
		iv_push(&s->stopped, x);
	}
}

/* Propagates stopped nodes to the fixed point. */
static void
fs_propagate(FailState *s, const Graph *g, const int *m_start, const int *m_adj)
{
	while (s->head < s->stopped.len)
	{
		int			x = s->stopped.v[s->head++];

		for (int k = m_start[x]; k < m_start[x + 1]; k++)
		{
			int			grp = m_adj[k];

			if (s->left[grp] == s->left0[grp])
				iv_push(&s->touched, grp);
			if (--s->left[grp] == 0)
			{
				int			owner = g->g_owner.v[grp];

				if (grp < g->nsupply)
					fs_fail(s, owner);
				else if (!s->cut[owner])
				{
					s->cut[owner] = true;
					iv_push(&s->cuts, owner);
				}
			}
		}
	}
}

/* Empties the state, touching only what was touched. */
static void
fs_clear(FailState *s)
{
	for (int i = 0; i < s->stopped.len; i++)
		s->failed[s->stopped.v[i]] = false;
	for (int i = 0; i < s->touched.len; i++)
		s->left[s->touched.v[i]] = s->left0[s->touched.v[i]];
	for (int i = 0; i < s->cuts.len; i++)
		s->cut[s->cuts.v[i]] = false;
	s->stopped.len = s->touched.len = s->cuts.len = 0;
	s->head = 0;
}

/* Finds the strongly connected components of the needs graph; marks nodes on a cycle. */
static void
mark_cycles(int n, const int *start, const int *adj, bool *on_cycle)
{
	int		   *index = palloc_extended((Size) n * sizeof(int), MCXT_ALLOC_HUGE);
	int		   *low = palloc_extended((Size) n * sizeof(int), MCXT_ALLOC_HUGE);
	bool	   *onstack = spof_alloc0((Size) n * sizeof(bool), MCXT_ALLOC_HUGE);
	int		   *stack = palloc_extended((Size) n * sizeof(int), MCXT_ALLOC_HUGE);
	int		   *cs_node = palloc_extended((Size) n * sizeof(int), MCXT_ALLOC_HUGE);
	int		   *cs_edge = palloc_extended((Size) n * sizeof(int), MCXT_ALLOC_HUGE);
	int			sp = 0,
				next = 0;

	for (int i = 0; i < n; i++)
		index[i] = -1;
	for (int root = 0; root < n; root++)
	{
		int			csp = 0;

		if (index[root] >= 0)
			continue;
		cs_node[csp] = root;
		cs_edge[csp++] = start[root];
		index[root] = low[root] = next++;
		stack[sp++] = root;
		onstack[root] = true;
		while (csp > 0)
		{
			int			v = cs_node[csp - 1];

			if (cs_edge[csp - 1] < start[v + 1])
			{
				int			w = adj[cs_edge[csp - 1]++];

				if (w == v)
					on_cycle[v] = true; /* a need on itself */
				if (index[w] < 0)
				{
					index[w] = low[w] = next++;
					stack[sp++] = w;
					onstack[w] = true;
					cs_node[csp] = w;
					cs_edge[csp++] = start[w];
				}
				else if (onstack[w])
					low[v] = Min(low[v], index[w]);
			}
			else
			{
				csp--;
				if (csp > 0)
					low[cs_node[csp - 1]] = Min(low[cs_node[csp - 1]], low[v]);
				if (low[v] == index[v])
				{
					int			size = 0;
					int			w;

					for (int k = sp - 1; stack[k] != v; k--)
						size++;
					do
					{
						w = stack[--sp];
						onstack[w] = false;
						if (size > 0)
							on_cycle[w] = true;
					} while (w != v);
				}
			}
		}
	}
	pfree(index);
	pfree(low);
	pfree(onstack);
	pfree(stack);
	pfree(cs_node);
	pfree(cs_edge);
}

/* Cooper-Harvey-Kennedy: the two fingers climb by postorder number until they meet. */
static inline int
chk_intersect(const int *idom, const int *po, int a, int b)
{
	while (a != b)
	{
		while (po[a] < po[b])
			a = idom[a];
		while (po[b] < po[a])
			b = idom[b];
	}
	return a;
}

/*
 * Immediate dominators of the relaxed flow graph rooted at the virtual node
 * n, by the iterative algorithm over a reverse postorder.  succ/pred are CSR
 * over n + 1 nodes.  Returns idom (idom[n] == n).
 */
static int *
dominators(int n, const int *s_start, const int *s_adj, const int *p_start, const int *p_adj)
{
	int			total = n + 1;
	int		   *po = palloc_extended((Size) total * sizeof(int), MCXT_ALLOC_HUGE);
	int		   *order = palloc_extended((Size) total * sizeof(int), MCXT_ALLOC_HUGE);	/* by postorder */
	int		   *idom = palloc_extended((Size) total * sizeof(int), MCXT_ALLOC_HUGE);
	int		   *cs_node = palloc_extended((Size) total * sizeof(int), MCXT_ALLOC_HUGE);
	int		   *cs_edge = palloc_extended((Size) total * sizeof(int), MCXT_ALLOC_HUGE);
	bool	   *seen = spof_alloc0((Size) total * sizeof(bool), MCXT_ALLOC_HUGE);
	int			csp = 0,
				npo = 0;
	bool		changed = true;

	/* postorder by an iterative depth-first search from the root */
	cs_node[csp] = n;
	cs_edge[csp++] = s_start[n];
	seen[n] = true;
	while (csp > 0)
	{
		int			v = cs_node[csp - 1];

		if (cs_edge[csp - 1] < s_start[v + 1])
		{
			int			w = s_adj[cs_edge[csp - 1]++];

			if (!seen[w])
			{
				seen[w] = true;
				cs_node[csp] = w;
				cs_edge[csp++] = s_start[w];
			}
		}
		else
		{
			po[v] = npo;
			order[npo++] = v;
			csp--;
		}
	}

	for (int v = 0; v < total; v++)
		idom[v] = -1;
	idom[n] = n;
	while (changed)
	{
		changed = false;
		CHECK_FOR_INTERRUPTS();
		/* reverse postorder, root excluded */
		for (int i = npo - 2; i >= 0; i--)
		{
			int			v = order[i];
			int			nd = -1;

			for (int k = p_start[v]; k < p_start[v + 1]; k++)
			{
				int			p = p_adj[k];

				if (idom[p] < 0)
					continue;	/* not processed yet */
				nd = nd < 0 ? p : chk_intersect(idom, po, p, nd);
			}
			if (nd >= 0 && idom[v] != nd)
			{
				idom[v] = nd;
				changed = true;
			}
		}
	}
	/* every node is reachable from the root; be safe anyway */
	for (int v = 0; v < n; v++)
		if (idom[v] < 0)
			idom[v] = n;

	pfree(po);
	pfree(order);
	pfree(cs_node);
	pfree(cs_edge);
	pfree(seen);
	return idom;
}

/*
 * The two queries name their tables with %s: the table, or on a Citus worker
 * that holds the organisation's shard, that shard (iso28000_org_relation_name,
 * citus_compat.c), so that the function may run beside a query on a shard
 * without starting a distributed query of its own (doc/distribution.md).
 */
static const char *const SUPPLY_GROUPS_SQL =
"SELECT d.node_id, pg_catalog.array_agg(d.depends_on_id),"
"       pg_catalog.array_agg(d.depends_on_id)"
"         FILTER (WHERE d.criticality OPERATOR(pg_catalog.=) 'critical'::pg_catalog.text)"
"  FROM %s d"
" WHERE d.org_id OPERATOR(pg_catalog.=) $1"
" GROUP BY d.node_id, d.alternative_group,"
"          CASE WHEN d.alternative_group IS NULL THEN d.dependency_id END"
" HAVING pg_catalog.bool_or(d.criticality OPERATOR(pg_catalog.=) 'critical'::pg_catalog.text)";

static const char *const PROCESS_GROUPS_SQL =
"SELECT pd.sms_process_id, pg_catalog.array_agg(pd.node_id),"
"       pg_catalog.array_agg(pd.node_id)"
"         FILTER (WHERE pd.criticality OPERATOR(pg_catalog.=) 'critical'::pg_catalog.text)"
"  FROM %s pd"
"  JOIN %s p"
"    ON p.org_id OPERATOR(pg_catalog.=) pd.org_id"
"   AND p.sms_process_id OPERATOR(pg_catalog.=) pd.sms_process_id"
" WHERE pd.org_id OPERATOR(pg_catalog.=) $1 AND p.critical AND p.retired_on IS NULL"
" GROUP BY pd.sms_process_id, pd.alternative_group,"
"          CASE WHEN pd.alternative_group IS NULL THEN pd.process_dependency_id END"
" HAVING pg_catalog.bool_or(pd.criticality OPERATOR(pg_catalog.=) 'critical'::pg_catalog.text)"
" ORDER BY pd.sms_process_id";

/* The name to read one organisation's rows of iso28000.<name> from (its shard on a Citus worker). */
static const char *
spof_table(const char *name, int64 org_id)
{
	return iso28000_org_relation_name(get_relname_relid(name, get_namespace_oid("iso28000", false)),
									  org_id);
}

PG_FUNCTION_INFO_V1(single_points_of_failure);
/* Every (node, critical process) pair where losing that node alone cuts the process. */
Datum
single_points_of_failure(PG_FUNCTION_ARGS)
{
	int64		org_id = PG_GETARG_INT64(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext work = AllocSetContextCreate(CurrentMemoryContext, "single_points_of_failure",
											   ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldcxt = MemoryContextSwitchTo(work);
	Graph		g;
	HASHCTL		ctl;
	int			n;
	int		   *m_start,
			   *m_adj;			/* node -> groups it is an alternative in */
	int		   *ncrit;			/* node -> its critical needs */
	int		   *one_need;		/* node -> its group when it has exactly one */
	bool	   *special;
	int		   *idom;
	int		   *left0;
	bool	   *candidate;
	FailState	st;
	uint32		steps = 0;
	SpofRow    *rows = NULL;
	int			nrows = 0,
				rowcap = 0;

	InitMaterializedSRF(fcinfo, 0);
	memset(&g, 0, sizeof(g));
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(NodeKey);
	ctl.hcxt = work;
	g.map = hash_create("single_points_of_failure", 1024, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	/* read the critical needs of nodes, then of critical processes in use */
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "single_points_of_failure: SPI_connect failed");
	load_groups(&g, psprintf(SUPPLY_GROUPS_SQL, spof_table("supply_chain_dependency", org_id)),
				org_id, false, work);
	g.nsupply = g.ngroups;
	load_groups(&g, psprintf(PROCESS_GROUPS_SQL, spof_table("process_dependency", org_id),
							 spof_table("sms_process", org_id)),
				org_id, true, work);
	SPI_finish();
	MemoryContextSwitchTo(work);

	iv_push(&g.g_start, g.g_mem.len);
	n = g.nnodes;

	if (n == 0 || g.nprocs == 0)
		goto done;
	candidate = spof_alloc0((Size) n * sizeof(bool), MCXT_ALLOC_HUGE);
	for (int i = 0; i < g.cand.len; i++)
		candidate[g.cand.v[i]] = true;

	/* memberships: node -> groups it is an alternative in; counts per group */
	{
		IntVec		from = {0},
					to = {0};

		left0 = palloc_extended((Size) g.ngroups * sizeof(int), MCXT_ALLOC_HUGE);
		for (int grp = 0; grp < g.ngroups; grp++)
		{
			left0[grp] = g.g_start.v[grp + 1] - g.g_start.v[grp];
			for (int k = g.g_start.v[grp]; k < g.g_start.v[grp + 1]; k++)
			{
				iv_push(&from, g.g_mem.v[k]);
				iv_push(&to, grp);
			}
		}
		csr_build(n, &from, &to, &m_start, &m_adj);
		pfree(from.v);
		pfree(to.v);
	}

	/* node kinds: number of critical needs; the needs graph and its cycles */
	ncrit = spof_alloc0((Size) n * sizeof(int), MCXT_ALLOC_HUGE);
	one_need = palloc_extended((Size) n * sizeof(int), MCXT_ALLOC_HUGE);
	special = spof_alloc0((Size) n * sizeof(bool), MCXT_ALLOC_HUGE);
	for (int grp = 0; grp < g.nsupply; grp++)
	{
		ncrit[g.g_owner.v[grp]]++;
		one_need[g.g_owner.v[grp]] = grp;
	}
	{
		IntVec		from = {0},
					to = {0};
		int		   *n_start,
				   *n_adj;

		for (int grp = 0; grp < g.nsupply; grp++)
			for (int k = g.g_start.v[grp]; k < g.g_start.v[grp + 1]; k++)
			{
				iv_push(&from, g.g_owner.v[grp]);
				iv_push(&to, g.g_mem.v[k]);
			}
		csr_build(n, &from, &to, &n_start, &n_adj);
		mark_cycles(n, n_start, n_adj, special);
		pfree(from.v);
		pfree(to.v);
		pfree(n_start);
		pfree(n_adj);
	}
	for (int v = 0; v < n; v++)
		if (ncrit[v] != 1)
			special[v] = true;

	/* the relaxed flow graph: root -> special nodes, alternative -> the node with one need */
	{
		IntVec		from = {0},
					to = {0};
		int		   *s_start,
				   *s_adj,
				   *p_start,
				   *p_adj;

		for (int v = 0; v < n; v++)
		{
			if (special[v])
			{
				iv_push(&from, n);
				iv_push(&to, v);
			}
			else
			{
				int			grp = one_need[v];

				for (int k = g.g_start.v[grp]; k < g.g_start.v[grp + 1]; k++)
				{
					iv_push(&from, g.g_mem.v[k]);
					iv_push(&to, v);
				}
			}
		}
		csr_build(n + 1, &from, &to, &s_start, &s_adj);
		csr_build(n + 1, &to, &from, &p_start, &p_adj);
		idom = dominators(n, s_start, s_adj, p_start, p_adj);
		pfree(from.v);
		pfree(to.v);
		pfree(s_start);
		pfree(s_adj);
		pfree(p_start);
		pfree(p_adj);
	}

	/*
	 * The dominator tree: children lists, subtree sizes, preorder ranges, the
	 * heaviest child of each node; then the visit that keeps the heaviest
	 * child's failure state.
	 */
	{
		IntVec		from = {0},
					to = {0};
		int		   *c_start,
				   *c_adj;
		int		   *size = palloc_extended((Size) (n + 1) * sizeof(int), MCXT_ALLOC_HUGE);
		int		   *heavy = palloc_extended((Size) (n + 1) * sizeof(int), MCXT_ALLOC_HUGE);
		int		   *tin = palloc_extended((Size) (n + 1) * sizeof(int), MCXT_ALLOC_HUGE);
		int		   *pre = palloc_extended((Size) (n + 1) * sizeof(int), MCXT_ALLOC_HUGE);
		int		   *cs_node = palloc_extended((Size) (n + 1) * sizeof(int), MCXT_ALLOC_HUGE);
		int		   *cs_pos = palloc_extended((Size) (n + 1) * sizeof(int), MCXT_ALLOC_HUGE);
		bool	   *cs_keep = palloc_extended((Size) (n + 1) * sizeof(bool), MCXT_ALLOC_HUGE);
		int			csp = 0,
					npre = 0;

		for (int v = 0; v < n; v++)
		{
			iv_push(&from, idom[v]);
			iv_push(&to, v);
		}
		csr_build(n + 1, &from, &to, &c_start, &c_adj);
		pfree(from.v);
		pfree(to.v);

		/* preorder (iterative), then sizes and heavy children bottom-up */
		cs_node[csp] = n;
		cs_pos[csp++] = c_start[n];
		pre[npre] = n;
		tin[n] = npre++;
		while (csp > 0)
		{
			int			v = cs_node[csp - 1];

			if (cs_pos[csp - 1] < c_start[v + 1])
			{
				int			w = c_adj[cs_pos[csp - 1]++];

				pre[npre] = w;
				tin[w] = npre++;
				cs_node[csp] = w;
				cs_pos[csp++] = c_start[w];
			}
			else
				csp--;
		}
		for (int v = 0; v <= n; v++)
		{
			size[v] = 1;
			heavy[v] = -1;
		}
		for (int i = npre - 1; i > 0; i--)
		{
			int			v = pre[i];
			int			p = idom[v];

			size[p] += size[v];
			if (heavy[p] < 0 || size[v] > size[heavy[p]])
				heavy[p] = v;
		}
		/* the heavy child goes last among its siblings (preorder ranges stay valid) */
		for (int v = 0; v < n; v++)
			for (int j = c_start[v]; j < c_start[v + 1]; j++)
				if (c_adj[j] == heavy[v])
				{
					c_adj[j] = c_adj[c_start[v + 1] - 1];
					c_adj[c_start[v + 1] - 1] = heavy[v];
					break;
				}

		st.failed = spof_alloc0((Size) n * sizeof(bool), MCXT_ALLOC_HUGE);
		st.left = palloc_extended((Size) g.ngroups * sizeof(int), MCXT_ALLOC_HUGE);
		memcpy(st.left, left0, g.ngroups * sizeof(int));
		st.left0 = left0;
		st.cut = spof_alloc0((Size) g.nprocs * sizeof(bool), MCXT_ALLOC_HUGE);
		memset(&st.stopped, 0, sizeof(IntVec));
		memset(&st.touched, 0, sizeof(IntVec));
		memset(&st.cuts, 0, sizeof(IntVec));
		st.head = 0;

		/*
		 * Each child of the root is visited with an empty state and leaves it
		 * empty.  A frame visits its light children (each leaving the state
		 * empty), then its heavy child (leaving F(heavy)), then adds itself and
		 * its light subtrees.  cs_pos counts children visited; light first.
		 */
		for (int ri = c_start[n]; ri < c_start[n + 1]; ri++)
		{
			csp = 0;
			cs_node[csp] = c_adj[ri];
			cs_pos[csp] = 0;
			cs_keep[csp++] = false;
			while (csp > 0)
			{
				int			v = cs_node[csp - 1];
				int			nch = c_start[v + 1] - c_start[v];
				int			i = cs_pos[csp - 1];

				if (i < nch)
				{
					/* children in order: the lights, then the heavy one */
					int			w = c_adj[c_start[v] + i];

					cs_pos[csp - 1]++;
					cs_node[csp] = w;
					cs_pos[csp] = 0;
					cs_keep[csp++] = (w == heavy[v]);
					continue;
				}

				/* children done: the state is F(heavy), or empty */
				if ((++steps & 1023) == 0)
					CHECK_FOR_INTERRUPTS();
				fs_fail(&st, v);
				for (int j = c_start[v]; j < c_start[v + 1]; j++)
				{
					int			w = c_adj[j];

					if (w == heavy[v])
						continue;
					for (int q = tin[w]; q < tin[w] + size[w]; q++)
						fs_fail(&st, pre[q]);
				}
				fs_propagate(&st, &g, m_start, m_adj);

				if (candidate[v])
					for (int j = 0; j < st.cuts.len; j++)
					{
						if (nrows == rowcap)
						{
							rowcap = rowcap ? rowcap * 2 : 256;
							rows = rows ? repalloc_huge(rows, (Size) rowcap * sizeof(SpofRow))
								: palloc_extended((Size) rowcap * sizeof(SpofRow), MCXT_ALLOC_HUGE);
						}
						rows[nrows].node_id = g.node_ids[v];
						rows[nrows].process_id = g.proc_ids[st.cuts.v[j]];
						rows[nrows].lost = st.stopped.len;
						nrows++;
					}
				if (!cs_keep[csp - 1])
					fs_clear(&st);
				csp--;
			}
		}
	}

done:
	if (nrows > 0)
		qsort(rows, nrows, sizeof(SpofRow), row_cmp);
	MemoryContextSwitchTo(oldcxt);
	for (int i = 0; i < nrows; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = Int64GetDatum(rows[i].node_id);
		values[1] = Int64GetDatum(rows[i].process_id);
		values[2] = Int32GetDatum(rows[i].lost);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(work);
	return (Datum) 0;
}
