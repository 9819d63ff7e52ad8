#!/usr/bin/env python3
"""Generates a registry import of N households with their members (1-7, about 3.5 on average), as CSV
with field-name headers: units.csv, households.csv, members.csv in OUT_DIR. Deterministic (seeded).

    python3 scripts/gen-registry.py 1000000 /tmp/reg1m
"""
import csv, random, sys, os

n = int(sys.argv[1]); out = sys.argv[2]
os.makedirs(out, exist_ok=True)
rng = random.Random(2025)
FAM = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MID = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quang", "Thu", "Kim"]
GIV = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Linh", "Long", "Mai", "Nam", "Ngọc", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến"]
COMMUNES = 500
with open(f"{out}/units.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["unit_code", "unit_name", "unit_kind", "area", "parent_code", "valid_from"])
    w.writerow(["01", "Hà Nội", "central_city", "", "", "2008-01-01"])
    for c in range(COMMUNES):
        w.writerow([f"{10000 + c}", f"Xã {c}", "commune", "rural" if c % 3 else "urban", "01", "2008-01-01"])
H = open(f"{out}/households.csv", "w", newline="", encoding="utf-8")
M = open(f"{out}/members.csv", "w", newline="", encoding="utf-8")
hw, mw = csv.writer(H), csv.writer(M)
hw.writerow(["household_code", "unit_code", "head_name", "address", "monthly_income_vnd", "income_recorded_on",
             "housing_quality", "floor_area_m2", "water_source", "toilet", "uses_telecom", "uses_internet"])
mw.writerow(["household_code", "full_name", "relation", "date_of_birth", "sex", "citizen_id", "labour_status",
             "has_health_insurance", "education_level", "attending_school"])
seq = 0
for i in range(n):
    code = f"H{i:07d}"
    fam = rng.choice(FAM)
    k = min(7, max(1, int(rng.gauss(3.5, 1.5))))
    head_by = rng.randint(1945, 2000)
    people = [("head", head_by)]
    if k > 1: people.append(("spouse", head_by + rng.randint(-5, 5)))
    for _ in range(k - len(people)):
        people.append(("child", min(2024, head_by + rng.randint(18, 40))))
    head_name = None
    for rel, by in people:
        seq += 1
        sex = rng.choice(["male", "female"])
        name = f"{fam if rel != 'spouse' else rng.choice(FAM)} {'Văn' if sex == 'male' else 'Thị'} {rng.choice(GIV)}"
        if rel == "head": head_name = name
        cid = f"{rng.randint(1, 96):03d}{(2 if by >= 2000 else 0) + (sex == 'female'):d}{by % 100:02d}{seq % 1000000:06d}" if 2025 - by >= 14 else ""
        mw.writerow([code, name, rel, f"{by}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", sex, cid,
                     rng.choice(["employed_formal", "employed_informal", "unemployed", "not_in_labour_force"]),
                     rng.choice(["true", "false", ""]), rng.choice(["primary", "lower_secondary", "upper_secondary", "tertiary"]),
                     "true" if 2025 - by < 18 else "false"])
    hw.writerow([code, f"{10000 + rng.randrange(COMMUNES)}", head_name, f"Thôn {rng.randint(1, 20)}",
                 rng.randrange(1_000_000, 20_000_000, 10_000), "2024-12-01",
                 rng.choice(["solid", "semi_solid", "less_durable", "makeshift"]), rng.randint(8, 150),
                 rng.choice(["piped", "drilled_well", "rain", "unprotected"]), rng.choice(["flush_septic", "semi_septic", "unhygienic", "none"]),
                 rng.choice(["true", "false"]), rng.choice(["true", "false", ""])])
H.close(); M.close()
