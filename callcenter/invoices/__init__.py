"""Invoices for payment (счёт на оплату): numbered per year, VAT, payments, the PDF."""
