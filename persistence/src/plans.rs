//! The plan catalogue, read into the domain's [`Plan`] values.

use std::collections::BTreeMap;

use diesel::prelude::*;
use tenantry_domain::catalogue::Catalogue;
use tenantry_domain::plan::{Plan, Service};

use crate::connection::DbConnection;
use crate::error::{StoreError, StoreResult};
use crate::schema::{plan_services, plan_transitions, plans};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plans)]
struct PlanRow {
    code: String,
    name: String,
    seat_price_cents: i64,
    seat_limit: i64,
    assignable: bool,
    #[allow(dead_code)]
    position: i32,
}

/// The whole catalogue, in catalogue order.
pub fn catalogue(conn: &mut DbConnection) -> StoreResult<Catalogue> {
    let rows: Vec<PlanRow> = plans::table.order(plans::position.asc()).select(PlanRow::as_select()).load(conn)?;
    let services: Vec<(String, String)> =
        plan_services::table.select((plan_services::plan_code, plan_services::service)).load(conn)?;
    let transitions: Vec<(String, String, String)> = plan_transitions::table
        .order((plan_transitions::from_plan.asc(), plan_transitions::to_plan.asc()))
        .select((plan_transitions::from_plan, plan_transitions::to_plan, plan_transitions::direction))
        .load(conn)?;
    let mut by_code: BTreeMap<String, Plan> = BTreeMap::new();
    let mut order = Vec::new();
    for row in rows {
        order.push(row.code.clone());
        by_code.insert(
            row.code.clone(),
            Plan {
                code: row.code,
                name: row.name,
                services: Default::default(),
                seat_price_cents: row.seat_price_cents,
                seat_limit: row.seat_limit,
                assignable: row.assignable,
                upgrades: Vec::new(),
                downgrades: Vec::new(),
            },
        );
    }
    for (code, service) in services {
        let service: Service = service.parse().map_err(|e| StoreError::Corrupt(format!("plan {code}: {e}")))?;
        if let Some(plan) = by_code.get_mut(&code) {
            plan.services.insert(service);
        }
    }
    for (from, to, direction) in transitions {
        let Some(plan) = by_code.get_mut(&from) else { continue };
        match direction.as_str() {
            "upgrade" => plan.upgrades.push(to),
            "downgrade" => plan.downgrades.push(to),
            other => return Err(StoreError::Corrupt(format!("plan transition {from} -> {to}: `{other}`"))),
        }
    }
    Ok(Catalogue::new(order.into_iter().filter_map(|code| by_code.remove(&code)).collect()))
}
