"""Surveys and their questions only: answers and ratings stay out of the admin, so no one
reads individual feedback there."""

from django.contrib import admin

from .models import Survey, SurveyQuestion


class QuestionInline(admin.TabularInline):
    model = SurveyQuestion
    extra = 0


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["title", "program", "kind", "send_on", "sent_at"]
    list_filter = ["kind"]
    inlines = [QuestionInline]
