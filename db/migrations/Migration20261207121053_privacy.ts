import { Migration } from '@mikro-orm/migrations';

/**
 * Personal data with an end (docs/privacy.md): operators' retention settings, pseudonymised
 * members, e-mail subjects for the member's export, and the audit trail as hash chains.
 * The chain's functions are hand-written (a trigger body cannot declare variables) and the link
 * is a deferred constraint trigger (the ORM declares it as a plain AFTER trigger, which the schema
 * diff compares the same): `npm run audit:verify` (domain/audit-chain.ts) computes the same hash.
 */
const CHAIN_FUNCTIONS = `create or replace function audit_event_hash(e audit_event) returns text as \$\$
  select encode(sha256(convert_to(concat_ws(E'\\n',
    e.prev_hash, e.chain, e.seq::text, to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    e.type, e.actor, coalesce(e.operator_id::text, ''), coalesce(e.member_id::text, ''), coalesce(e.workflow_id, ''), coalesce(e.workflow_run_id, ''),
    encode(sha256(convert_to(e.data::text, 'UTF8')), 'hex'), coalesce(e.personal_digest, '')), 'UTF8')), 'hex');
\$\$ language sql stable;

create or replace function audit_event_link(event_id bigint) returns void as \$\$
declare
  e audit_event;
  head record;
begin
  select * into e from audit_event where id = event_id;
  e.chain := case when e.organization_id is not null then 'company:' || e.organization_id
                  when e.operator_id is not null then 'operator:' || e.operator_id else 'installation' end;
  insert into audit_chain_head (chain, seq, hash) values (e.chain, 0, repeat('0', 64)) on conflict (chain) do nothing;
  -- One committing transaction per chain at a time: the links never fork.
  select seq, hash into head from audit_chain_head where chain = e.chain for update;
  e.seq := head.seq + 1;
  e.prev_hash := head.hash;
  e.hash := audit_event_hash(e);
  update audit_event set chain = e.chain, seq = e.seq, prev_hash = e.prev_hash, hash = e.hash where id = event_id;
  update audit_chain_head set seq = e.seq, hash = e.hash where chain = e.chain;
end;
\$\$ language plpgsql;`;

export class Migration20261207121053_privacy extends Migration {

  override name = 'Migration20261207121053_privacy';

  override up(): void | Promise<void> {
    this.addSql(`create table "audit_chain_head" ("chain" varchar(80) not null, "seq" bigint not null, "hash" varchar(64) not null, primary key ("chain"));`);

    this.addSql(`alter table "operator" add "retention" jsonb null;`);

    this.addSql(`alter table "member" add "pseudonymised_at" timestamptz null;`);

    this.addSql(`alter table "email_outbox" add "subject" varchar(300) null;`);

    this.addSql(`drop trigger if exists "audit_event_append_only" on "audit_event";`);
    this.addSql(`drop function if exists "audit_event_audit_event_append_only_fn"();`);
    this.addSql(`alter table "audit_event" add "chain" varchar(80) null, add "seq" bigint null, add "prev_hash" varchar(64) null, add "hash" varchar(64) null, add "personal" jsonb null, add "personal_salt" varchar(64) null, add "personal_digest" varchar(64) null;`);
    this.addSql(`create index "audit_event_chain_seq_index" on "audit_event" ("chain", "seq");`);
    this.addSql(CHAIN_FUNCTIONS);
    // The events written before, chained in the order they happened (their ids); no trigger is on the table yet.
    this.addSql(`do \$\$ declare r record; begin for r in select id from audit_event order by id loop perform audit_event_link(r.id); end loop; end \$\$;`);
    this.addSql(`create or replace function "audit_event_audit_event_seal_fn"() returns trigger as \$\$ begin if new.personal is not null then new.personal_salt := gen_random_uuid()::text; new.personal_digest := encode(sha256(convert_to(new.personal_salt || new.personal::text, 'UTF8')), 'hex'); else new.personal_salt := null; new.personal_digest := null; end if; return new; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "audit_event_seal" BEFORE INSERT on "audit_event" for each ROW execute function "audit_event_audit_event_seal_fn"();`);
    this.addSql(`create or replace function "audit_event_audit_event_chain_fn"() returns trigger as \$\$ begin perform audit_event_link(new.id); return null; end; \$\$ language plpgsql;`);
    this.addSql(`create constraint trigger "audit_event_chain" AFTER INSERT on "audit_event" deferrable initially deferred for each ROW execute function "audit_event_audit_event_chain_fn"();`);
    this.addSql(`create or replace function "audit_event_audit_event_append_only_fn"() returns trigger as \$\$ begin if tg_op = 'UPDATE' and new.personal is null and new.personal_salt is null and (to_jsonb(new) - 'personal' - 'personal_salt') = (to_jsonb(old) - 'personal' - 'personal_salt') then return new; end if; if tg_op = 'UPDATE' and old.hash is null and (to_jsonb(new) - 'chain' - 'seq' - 'prev_hash' - 'hash') = (to_jsonb(old) - 'chain' - 'seq' - 'prev_hash' - 'hash') then return new; end if; raise exception 'audit_event is append-only: % refused', tg_op using errcode = 'insufficient_privilege'; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "audit_event_append_only" BEFORE UPDATE OR DELETE on "audit_event" for each ROW execute function "audit_event_audit_event_append_only_fn"();`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "audit_chain_head" cascade;`);

    this.addSql(`drop index "audit_event_chain_seq_index";`);
    this.addSql(`drop trigger if exists "audit_event_seal" on "audit_event";`);
    this.addSql(`drop function if exists "audit_event_audit_event_seal_fn"();`);
    this.addSql(`drop trigger if exists "audit_event_chain" on "audit_event";`);
    this.addSql(`drop function if exists "audit_event_audit_event_chain_fn"();`);
    this.addSql(`drop function if exists audit_event_link(bigint);`);
    this.addSql(`drop function if exists audit_event_hash(audit_event);`);
    this.addSql(`drop trigger if exists "audit_event_append_only" on "audit_event";`);
    this.addSql(`drop function if exists "audit_event_audit_event_append_only_fn"();`);
    this.addSql(`alter table "audit_event" drop column "chain", drop column "seq", drop column "prev_hash", drop column "hash", drop column "personal", drop column "personal_salt", drop column "personal_digest";`);
    this.addSql(`create or replace function "audit_event_audit_event_append_only_fn"() returns trigger as \$\$ begin raise exception 'audit_event is append-only: % refused', tg_op using errcode = 'insufficient_privilege'; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "audit_event_append_only" BEFORE UPDATE OR DELETE on "audit_event" for each ROW execute function "audit_event_audit_event_append_only_fn"();`);

    this.addSql(`alter table "email_outbox" drop column "subject";`);

    this.addSql(`alter table "member" drop column "pseudonymised_at";`);

    this.addSql(`alter table "operator" drop column "retention";`);
  }

}
