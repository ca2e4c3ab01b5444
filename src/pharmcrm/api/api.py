from ninja import NinjaAPI

api = NinjaAPI(title="pharmcrm API", version="1")
