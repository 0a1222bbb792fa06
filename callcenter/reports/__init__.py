"""Reports: filters, a registry of reports, tables to show and export (this package's own
modules), the rollup machinery (``rollups/``) and one sub-package per report family."""
