from django.contrib import admin

from .models import LearningPath, LearningPathStep, Resource


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "program", "created_at"]
    list_filter = ["kind", "program"]
    search_fields = ["search_text"]
    readonly_fields = ["search_text", "file", "content_type", "size_bytes"]
    raw_id_fields = ["created_by"]


class StepInline(admin.TabularInline):
    model = LearningPathStep
    extra = 0
    raw_id_fields = ["resource"]


@admin.register(LearningPath)
class LearningPathAdmin(admin.ModelAdmin):
    list_display = ["title", "program"]
    inlines = [StepInline]
