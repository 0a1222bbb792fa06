"""Reports: filters, a registry of reports, rollups kept fresh, tables to show and export."""
