def handler(event, context):
    return {"from": "pkg.sub"}
