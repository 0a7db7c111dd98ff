{#
    agg_active_users: dau <= wau <= mau on every day, and stickiness = dau / mau, null exactly
    when mau = 0. Returns the days that break it.
#}
select
    activity_date,
    dau,
    wau,
    mau,
    stickiness

from {{ ref('agg_active_users') }}

where dau > wau
    or wau > mau
    or dau < 0
    or (mau = 0 and stickiness is not null)
    or (mau > 0 and stickiness is null)
